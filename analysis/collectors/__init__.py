"""Collectors read a source (AWS ECR, CloudWatch, …) and return typed records; they never write anywhere."""

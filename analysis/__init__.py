"""regcost: what a container registry costs on AWS ECR, self-hosted (Harbor), and what it takes to move."""

__version__ = "0.1.0"

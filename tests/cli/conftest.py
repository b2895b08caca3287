"""Fixtures for the CLI's tests: a machine without AWS credentials."""

from __future__ import annotations

import os

import pytest


@pytest.fixture()
def no_aws(monkeypatch, tmp_path):
    """No credentials anywhere, and no instance-metadata lookup (it would leave this machine)."""
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))

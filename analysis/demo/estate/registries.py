"""Registries: per account and region, replication, scanning, blob mounting and pull-through cache rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from analysis.demo.estate.records import RegistrySpec


def registry_specs(
    accounts: list[str],
    regions: list[str],
    mgmt: str,
    home: str,
    replica_region: str | None,
    start: datetime,
    now: datetime,
) -> list[RegistrySpec]:
    out = []
    enhanced = accounts[1] if len(accounts) > 1 else mgmt
    mounting = (accounts[1] if len(accounts) > 1 else mgmt, home)
    for acct in accounts:
        for region in regions:
            rules: list[dict[str, Any]] = []
            if acct == mgmt and region == home and replica_region:
                rules = [
                    {
                        "destinations": [{"region": replica_region, "registryId": mgmt}],
                        "repositoryFilters": [{"filter": "platform/", "filterType": "PREFIX_MATCH"}],
                    }
                ]
            if acct == enhanced:
                scanning = {
                    "scanType": "ENHANCED",
                    "rules": [
                        {
                            "scanFrequency": "CONTINUOUS_SCAN",
                            "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                        }
                    ],
                }
            else:
                scanning = {
                    "scanType": "BASIC",
                    "rules": [
                        {
                            "scanFrequency": "SCAN_ON_PUSH",
                            "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                        }
                    ],
                }
            ptc: list[dict[str, Any]] = []
            exclusions: list[str] = []
            if acct == mgmt and region == home:
                created = start + timedelta(days=300)
                ptc = [
                    {
                        "ecrRepositoryPrefix": "docker-hub",
                        "upstreamRegistryUrl": "registry-1.docker.io",
                        "createdAt": created,
                        "registryId": mgmt,
                        "credentialArn": (
                            f"arn:aws:secretsmanager:{home}:{mgmt}:secret:ecr-pullthroughcache/docker-hub-Xk3Pq9"
                        ),
                        "upstreamRegistry": "docker-hub",
                        "updatedAt": created,
                    }
                ]
                exclusions = [f"arn:aws:iam::{mgmt}:role/security-scanner"]
            out.append(
                RegistrySpec(
                    acct,
                    region,
                    rules,
                    scanning,
                    "ENABLED" if (acct, region) == mounting else "DISABLED",
                    ptc,
                    exclusions,
                )
            )
    return out

"""A seeded, realistic demo ECR estate, an emulated AWS (moto over HTTP) that serves it, and an emulated Harbor.

`estate/` generates the data (pure, no I/O) and its bill, `aws/` seeds it into moto's in-process backends and
runs moto's threaded server with the ECR/CloudWatch/CloudTrail realism moto lacks patched in, `harbor/` serves
part of it (or a small sample) as Harbor's API v2.0, and `runner` drives `regcost demo`. See docs/demo-estate.md.
"""

from analysis.demo.estate import (
    Estate,
    ImageSpec,
    PullCount,
    RegistrySpec,
    RepositorySpec,
    generate_estate,
)

__all__ = ["Estate", "ImageSpec", "PullCount", "RegistrySpec", "RepositorySpec", "generate_estate"]

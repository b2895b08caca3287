"""A seeded, realistic demo ECR estate and an emulated AWS (moto over HTTP) that serves it.

`estate` generates the data (pure, no I/O), `seed` writes it into moto's in-process backends and `aws`
runs moto's threaded server with the ECR/CloudWatch realism moto lacks patched in. See docs/demo-estate.md.
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

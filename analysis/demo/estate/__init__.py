"""The demo estate: a seeded, realistic multi-account ECR estate (pure, no I/O) and the bill it runs up.

`generate` assembles it from modules named by what they generate: `repositories`, `images` (on `blobs` and
`manifests`), `attestations`, `tags`, `pulls`, `lifecycle` and `registries`; `records` holds what it is made of;
`bill` prices it (Cost Explorer pages and a CUR 2.0 export). See docs/demo-estate.md.
"""

from analysis.demo.estate.generate import generate_estate
from analysis.demo.estate.records import (
    ACCOUNT_IDS,
    MT_DOCKER_LIST,
    MT_OCI_INDEX,
    Estate,
    ImageSpec,
    PullCount,
    RegistrySpec,
    RepositorySpec,
)

__all__ = [
    "ACCOUNT_IDS",
    "MT_DOCKER_LIST",
    "MT_OCI_INDEX",
    "Estate",
    "ImageSpec",
    "PullCount",
    "RegistrySpec",
    "RepositorySpec",
    "generate_estate",
]

"""An emulated Harbor on 127.0.0.1 whose every API response is validated against the official swagger.

`server` serves it (REST API v2.0, `/v2/` behind a Bearer challenge, the exporter's `/metrics`); `routes`
answers each API template from what the Harbor holds (`projects`), `spec` validates every answer, `exporter`
writes the metrics. Its contents come from `sample` (a small hand-made Harbor for tests) or `from_estate` (part
of the demo estate), both built from `artifacts`. See docs/harbor.md.
"""

from analysis.demo.harbor.from_estate import harbor_from_estate
from analysis.demo.harbor.projects import HarborData
from analysis.demo.harbor.sample import sample_data
from analysis.demo.harbor.server import FakeHarbor
from analysis.demo.harbor.spec import SPEC_PATH, SpecValidator, SpecViolation

__all__ = [
    "SPEC_PATH",
    "FakeHarbor",
    "HarborData",
    "SpecValidator",
    "SpecViolation",
    "harbor_from_estate",
    "sample_data",
]

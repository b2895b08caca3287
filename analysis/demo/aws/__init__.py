"""The emulated AWS: moto's threaded server over real HTTP, with the ECR/CloudWatch/CloudTrail realism moto lacks.

`server` runs it (`EmulatedAWS`: a gateway recording every call and injecting the `faults`), `seed` writes the
demo estate into moto's backends, and `patches` installs the emulated services: `ecr`, `cloudwatch` and
`cloudtrail`; `apprunner` (no moto backend at all) is answered by the gateway. See docs/demo-estate.md §5.
"""

from analysis.demo.aws.server import EmulatedAWS

__all__ = ["EmulatedAWS"]

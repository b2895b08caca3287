"""One image reference found in a file: where it is, how it is written, and what it points at.

What `kind` and `form` take is described in references.py, the scan that makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    file: str  # relative to the scan root
    line: int  # 1-based
    column: int  # 0-based start of the replaced span
    end: int  # 0-based end of the replaced span (host/repository, not tag or digest)
    text: str
    kind: str  # the file's ecosystem (module docstring)
    form: str  # literal | helm-split | host | templated | assembled | unparsed | *-resource
    account_id: str | None = None
    region: str | None = None
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None
    fips: bool = False
    china: bool = False
    port: int | None = None
    repo_line: int | None = None  # helm-split: where `repository:` is
    repo_column: int | None = None
    repo_end: int | None = None
    rewritable: bool = False  # host and repository are literal text at [column, end)
    registry: str = "ecr"  # ecr | ecr-public | docker-hub | ghcr | quay
    parts: tuple[str, ...] = field(default_factory=tuple)  # templated/assembled: "account=.Values.image.account"
    resolved: bool = False  # templated parts read from the chart's values.yaml

    @property
    def templated(self) -> bool:
        return self.form in ("templated", "assembled", "helm-split")

    @property
    def upstream(self) -> bool:
        return self.registry != "ecr"

"""The generator's working records: a repository being generated and the pushes (builds) it receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import overload


@dataclass
class Build:
    """One CI push: a single image, a multi-arch index (+ children) or a signature artifact."""

    kind: str  # "image" | "index" | "child" | "sig"
    digest: str
    manifest: str
    media_type: str
    artifact_type: str | None
    size: int
    pushed_at: datetime
    group: int  # builds of one index share a group id (index + children); the index is the group head
    subject: str | None = None
    arch: str | None = None
    blobs: tuple[str, ...] = ()
    tags: list[str] = field(default_factory=list)
    last_pull: datetime | None = None
    status: str = "ACTIVE"
    archived_at: datetime | None = None


@dataclass
class DraftRepo:
    """A repository being generated: its settings first, then the builds the generator's steps add."""

    account: str
    region: str
    name: str
    team: str
    lang: str
    n_images: int
    created_day: float
    multi_arch: bool
    oci: bool
    signs: bool
    mutability: str
    policy_kind: str | None  # "clean-untagged", "keep-last", "archive", "expire-untagged-only", "keep-any"
    replicate: bool = False
    cache: bool = False
    builds: list[Build] = field(default_factory=list)


@overload
def whole_seconds(ts: datetime) -> datetime: ...
@overload
def whole_seconds(ts: None) -> None: ...
def whole_seconds(ts: datetime | None) -> datetime | None:
    """Whole seconds: what the API round-trips exactly (JSON epoch timestamps), so specs compare equal."""
    return ts.replace(microsecond=0) if ts is not None else None

"""What the Harbor collector knows of Harbor's API: the endpoints it calls and the permission each needs, since
which version a field exists, the kinds of accessories, and the reader that pages through lists and records failures.

Sources: shared/reference/harbor-facts.md §1–§3 and the official swagger.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from analysis.collectors.http import HttpClient, HttpError, parse_link_next
from analysis.collectors.oci import RegistryResult
from analysis.collectors.redact import redact

API = "/api/v2.0"
PAGE_SIZE = 100  # swagger `pageSize` maximum


@dataclass(frozen=True)
class Endpoint:
    path: str  # relative to /api/v2.0, as the swagger names it
    permission: str  # what the caller needs (harbor-facts §1.1), said in a 403's message


# Every Harbor API endpoint the collector calls — all GET. The read-only test, docs/harbor.md and the 403
# messages come from this one list.
ENDPOINTS: dict[str, Endpoint] = {
    e.path: e
    for e in (
        Endpoint("/systeminfo", "any authenticated user (anonymous callers get no version or storage provider)"),
        Endpoint("/health", "none"),
        Endpoint("/statistics", "any authenticated user; the storage total only for a system administrator"),
        Endpoint("/projects", "system project:list, or membership of each project (public ones are listed)"),
        Endpoint("/projects/{project_name_or_id}/summary", "project membership (guest or better)"),
        Endpoint("/quotas", "system quota:list"),
        Endpoint("/projects/{project_name}/repositories", "project repository:list"),
        Endpoint("/projects/{project_name}/repositories/{repository_name}/artifacts", "project artifact:list"),
        Endpoint("/retentions/{id}", "project tag-retention:read"),
        Endpoint("/projects/{project_name_or_id}/immutabletagrules", "project immutable-tag:list"),
        Endpoint("/replication/policies", "system replication-policy:list"),
        Endpoint("/registries", "system registry:list"),
        Endpoint("/system/gc", "system garbage-collection:list"),
        Endpoint("/scanners", "system scanner:list"),
    )
}
# Outside /api/v2.0: manifests over the OCI API (project repository:pull; Harbor's token service issues the
# bearer token with the same credentials) and the exporter's /metrics page (no credentials unless configured).
OCI_ENDPOINTS = (
    ("GET", "/service/token (the realm of Harbor's Bearer challenge)"),
    ("GET", "/v2/{project}/{repository}/manifests/{digest}"),
    ("GET", "<metrics url> (Harbor exporter, e.g. :9090/metrics)"),
)


@dataclass(frozen=True)
class Feature:
    since: tuple[int, int]
    what: str  # what it is, and where that was found


# What a Harbor of a given version answers, from the version it appeared in (release tags' swagger and the PRs).
FEATURES: dict[str, Feature] = {
    "storage_total": Feature(
        (2, 3), "/statistics total_storage_consumption (goharbor/harbor#14772, released in v2.3.0)"
    ),
    "accessories": Feature((2, 5), "artifact accessories, with_accessory=true (goharbor/harbor#16150, v2.5.0)"),
    "artifact_type": Feature(
        (2, 11), "Artifact.artifact_type, the manifest's artifactType (OCI 1.1; goharbor/harbor#20030, v2.11.0)"
    ),
    "exporter_storage_total": Feature(
        (2, 12), "exporter metric harbor_statistics_total_storage_consumption (goharbor/harbor#18679, v2.12.0)"
    ),
}


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`v2.13.1-9384ed0e` → (2, 13, 1); None for an anonymous caller's empty version or another shape."""
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


def supports(version: tuple[int, int, int] | None, feature: str) -> bool | None:
    """Whether that Harbor has the feature; None when its version is unknown (then the collector asks anyway)."""
    return None if version is None else version[:2] >= FEATURES[feature].since


# Harbor's accessory types (src/pkg/accessory/model) and OCI artifact types, by the kind a migration must carry.
_KIND_BY_HARBOR_TYPE = {
    "signature.cosign": "signature",
    "signature.notation": "signature",
    "harbor.sbom": "sbom",
    "sbom.harbor": "sbom",
}


def accessory_kind(harbor_type: str | None, artifact_type: str | None) -> str:
    """signature | sbom | attestation | other, from Harbor's accessory type, else the artifact's media type."""
    if (harbor_type or "").lower() in _KIND_BY_HARBOR_TYPE:
        return _KIND_BY_HARBOR_TYPE[harbor_type.lower()]  # type: ignore[union-attr]
    at = (artifact_type or "").lower()
    if any(w in at for w in ("spdx", "cyclonedx", "sbom", "syft")):
        return "sbom"
    if any(w in at for w in ("in-toto", "attestation", "provenance", "slsa", "vuln", "openvex")):
        return "attestation"
    if any(w in at for w in ("signature", "cosign", "notary", "notation", "sigstore")):
        return "signature"
    return "other"


class HarborAuthError(Exception):
    """Harbor rejected the credentials (401): nothing can be read."""


def explain(exc: HttpError, endpoint: str, username: str | None) -> str:
    """A person-readable line for a failed Harbor call: what to do for 401, which role for 403, Harbor's text."""
    if exc.status == 401:
        who = f"'{username}'" if username else "the caller"
        return (
            f"Harbor rejected the credentials of {who} (401 on GET {endpoint}): check --username and the password "
            "(robot accounts are named robot$<name>, project robots robot$<project>+<name>, and expire)"
        )
    if exc.status == 403:
        need = ENDPOINTS[endpoint].permission if endpoint in ENDPOINTS else "a role that may read it"
        return (
            f"403 on GET {endpoint}: the account lacks the permission it needs ({need}); grant it to the "
            f"robot account or use a Harbor administrator — {exc.message}"
        )
    if exc.status is not None and exc.status >= 500:
        return f"Harbor failed on GET {endpoint} ({exc.status}); Harbor said: {exc.message}"
    return exc.message


def repo_path(project: str, repository: str) -> str:
    """`/projects/{p}/repositories/{r}` with r = name without project, URL-encoded twice (swagger)."""
    short = repository[len(project) + 1 :] if repository.startswith(project + "/") else repository
    return f"/projects/{quote(project, safe='')}/repositories/{quote(quote(short, safe=''), safe='')}"


class HarborReader:
    """Harbor API calls of one collection, recording failures into the result."""

    def __init__(self, client: HttpClient, out: RegistryResult, page_size: int) -> None:
        self.client = client
        self.out = out
        self.page_size = page_size
        self.username = client.credentials.username if client.credentials else None

    def fail(self, exc: HttpError, endpoint: str, project: str | None = None, repository: str | None = None) -> None:
        if exc.status == 401:
            raise HarborAuthError(explain(exc, endpoint, self.username))
        exc.message = explain(exc, endpoint, self.username)
        self.out.record(exc, f"harbor:GET {endpoint}", project=project, repository=repository)

    def one(self, path: str, endpoint: str, **where: Any) -> Any:
        try:
            return self.client.get(API + path, headers={"Accept": "application/json"}).json()
        except HttpError as exc:
            self.fail(exc, endpoint, **where)
        except ValueError as exc:  # 200 but not JSON: a proxy's login page, a truncated body
            self.out.record(ValueError(f"GET {endpoint}: not JSON ({exc})"), f"harbor:GET {endpoint}", **where)
        return None

    def pages(self, path: str, endpoint: str, params: dict[str, Any] | None = None, **where: Any) -> list[Any] | None:
        """Every page of a list endpoint, by Link rel="next"; checked against X-Total-Count."""
        items: list[Any] = []
        total: int | None = None
        url: str | None = API + path
        query: dict[str, Any] | None = {**(params or {}), "page": 1, "page_size": self.page_size}
        guard = 0
        try:
            while url:
                resp = self.client.get(url, params=query, headers={"Accept": "application/json"})
                items.extend(resp.json() or [])
                if resp.headers.get("X-Total-Count") is not None:
                    total = int(resp.headers["X-Total-Count"])
                url = parse_link_next(resp.headers.get("Link"))
                query = None  # the Link URL carries page and page_size
                if url is None and total is not None and len(items) < total:
                    # No Link (a proxy dropped it): fall back to page numbers from X-Total-Count.
                    page = len(items) // self.page_size + 1
                    if page <= math.ceil(total / self.page_size):
                        url, query = API + path, {**(params or {}), "page": page, "page_size": self.page_size}
                guard += 1
                if guard > 100_000:
                    raise HttpError("GET", path, None, "PaginationLoop", f"GET {endpoint}: pagination did not end")
        except HttpError as exc:
            self.fail(exc, endpoint, **where)
            return None
        except ValueError as exc:
            self.out.record(ValueError(f"GET {endpoint}: not JSON ({exc})"), f"harbor:GET {endpoint}", **where)
            return None
        if total is not None and len(items) != total:
            self.out.record(
                ValueError(f"GET {endpoint}: X-Total-Count says {total}, the pages held {len(items)}"),
                f"harbor:GET {endpoint}",
                **where,
            )
        return items


# -- Harbor's values ----------------------------------------------------------------------------------------


def harbor_time(text: str | None) -> datetime | None:
    """A Harbor timestamp; None for one never set."""
    # Harbor answers "0001-01-01T00:00:00.000Z" for a time never set (e.g. an artifact never pulled).
    if not text or text.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def harbor_bool(text: Any) -> bool | None:
    """Harbor metadata booleans are strings ("true"/"false")."""
    return None if text is None else str(text).lower() == "true"


def harbor_int(x: Any) -> int | None:
    """An int, or None for an absent, empty or malformed value (never 0 for unknown)."""
    try:
        return int(x) if x not in (None, "") else None
    except (TypeError, ValueError):
        return None


def without_credential(obj: Any) -> Any:
    """A Harbor object redacted by rule, and a `credential` object replaced by its type (basic, oauth …)."""
    if isinstance(obj, dict):
        out = {k: without_credential(v) for k, v in obj.items() if k != "credential"}
        if isinstance(obj.get("credential"), dict):
            out["credential_type"] = obj["credential"].get("type")
        return redact(out)
    if isinstance(obj, list):
        return [without_credential(x) for x in obj]
    return redact(obj)


def dump_json(obj: Any) -> str:
    return json.dumps(without_credential(obj), sort_keys=True)

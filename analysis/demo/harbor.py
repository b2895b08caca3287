"""An emulated Harbor on 127.0.0.1 whose every API response is validated against the official swagger.

Harbor itself cannot run here (it needs Docker, PostgreSQL and Redis), so its REST API v2.0 is served from
fixture data by a small threaded HTTP server, and every `/api/v2.0` response — body, status and the paging
headers — is checked against `shared/reference/harbor-api-v2.0-swagger.yaml` (Swagger 2.0 `definitions` and
`responses`, `$ref`s resolved, jsonschema). A response off the spec is recorded in `violations`; tests fail
on any. Behaviours modelled from Harbor's code (harbor-facts.md): paging with `page`/`page_size` ≤ 100,
`X-Total-Count` and a relative `Link` joined with " , "; repository names URL-encoded twice; `/statistics`
totals only for a system administrator (robots get zeros); quota usage counting a shared blob in every
project; proxy-cache projects by `registry_id`; the `/v2/` API behind a Bearer-token challenge; the
exporter's `/metrics`. The `/v2/`, `/service/token` and `/metrics` answers are outside the swagger: they
follow the OCI distribution spec (digest = sha256 of the body) and Prometheus text format.

Only GET and HEAD are served; anything else is answered 405 and recorded, so a test can prove the collector
never writes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jsonschema
import yaml

from analysis.collectors.manifests import parse_manifest
from analysis.resources import shipped_data

# The official spec, copied unmodified into data/harbor/ (its README says from where).
SPEC_PATH = shipped_data() / "harbor" / "harbor-api-v2.0-swagger.yaml"
API = "/api/v2.0"
MAX_PAGE_SIZE = 100


# ---- the spec ------------------------------------------------------------------------------------------------
class SpecViolation(AssertionError):
    """A fake response that the official swagger does not allow."""


@cache
def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 0.2 s instead of 0.8 s for 320 kB
    return yaml.load(SPEC_PATH.read_text(), Loader=loader)  # noqa: S506 (a safe loader)


class SpecValidator:
    """Validate (method, path template, status, body, headers) against the swagger's declared responses."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec or load_spec()
        self.definitions = self.spec["definitions"]
        self._validators: dict[str, jsonschema.Draft4Validator] = {}
        self._routes = [(_template_regex(p), p) for p in self.spec["paths"]]
        # Templates with fewer parameters win: /projects/{p}/summary before a catch-all.
        self._routes.sort(key=lambda r: (r[1].count("{"), -len(r[1])))

    def route(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The swagger path template matching a raw (still percent-encoded) path below /api/v2.0."""
        for regex, template in self._routes:
            m = regex.fullmatch(path)
            if m:
                return template, m.groupdict()
        return None

    def check(self, method: str, template: str, status: int, body: Any, headers: dict[str, str]) -> None:
        op = self.spec["paths"][template].get(method.lower())
        if op is None:
            raise SpecViolation(f"{method} {template}: no such operation in the spec")
        responses = op["responses"]
        response = responses.get(str(status))
        if response is None and status == 401 and self.spec.get("security"):
            # Harbor's auth middleware answers 401 on any path for bad credentials; the spec's global
            # `security` (basic) implies it, and its body must still be the spec's 401 response.
            response = {"$ref": "#/responses/401"}
        if response is None:
            raise SpecViolation(f"{method} {template}: status {status} is not a declared response")
        if "$ref" in response:
            response = self.spec["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response.get("schema")
        if schema is not None:
            self.validate(body, schema, f"{method} {template} → {status}")
        for name, h in (response.get("headers") or {}).items():
            if name in ("X-Total-Count", "Link") and status == 200:
                if name == "X-Total-Count":
                    if name not in headers or not re.fullmatch(r"\d+", headers[name]):
                        raise SpecViolation(f"{method} {template}: header X-Total-Count missing or not an integer")
                elif name in headers and h.get("type") == "string" and not isinstance(headers[name], str):
                    raise SpecViolation(f"{method} {template}: header Link is not a string")

    def validate(self, body: Any, schema: dict[str, Any], where: str) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:  # $refs resolve against the root, which carries the spec's definitions
            validator = jsonschema.Draft4Validator({**schema, "definitions": self.definitions})
            self._validators[key] = validator
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            path = "/".join(str(p) for p in e.absolute_path) or "(root)"
            raise SpecViolation(f"{where}: {path}: {e.message}")


def _template_regex(template: str) -> re.Pattern[str]:
    out = ""
    for part in re.split(r"(\{[^}]+\})", template):
        out += f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
    return re.compile(out + "/?")


# ---- fixture data --------------------------------------------------------------------------------------------
def ts(t: datetime | None) -> str:
    """Harbor's time format; "0001-01-01T00:00:00.000Z" for a time never set (an artifact never pulled)."""
    if t is None:
        return "0001-01-01T00:00:00.000Z"
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class FakeArtifact:
    digest: str
    manifest: bytes
    media_type: str
    tags: list[str]
    pushed_at: datetime
    pulled_at: datetime | None = None
    children: list[str] = field(default_factory=list)
    # An accessory (Harbor ≥ 2.5): the digest of the artifact it is attached to and Harbor's accessory type
    # (signature.cosign, harbor.sbom, subject.accessory …). Harbor lists it under its subject, not on its own.
    subject: str | None = None
    accessory_type: str | None = None


@dataclass
class FakeRepository:
    name: str  # full name, project prefix included
    artifacts: list[FakeArtifact]
    pull_count: int = 0
    created_at: datetime = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class FakeProject:
    project_id: int
    name: str
    repositories: list[FakeRepository] = field(default_factory=list)
    public: bool = False
    registry_id: int | None = None  # a proxy-cache project
    retention: dict[str, Any] | None = None
    immutable_rules: list[dict[str, Any]] = field(default_factory=list)
    quota_hard: int = -1


@dataclass
class FakeUser:
    password: str
    sysadmin: bool = False
    forbidden: set[str] = field(default_factory=set)  # swagger templates answered 403 for this user


@dataclass
class HarborData:
    """Everything the emulated Harbor serves; blob sizes come from the manifests themselves."""

    projects: list[FakeProject]
    users: dict[str, FakeUser]
    blob_sizes: dict[str, int] = field(default_factory=dict)  # layer/config digest → bytes
    registries: list[dict[str, Any]] = field(default_factory=list)
    replication_policies: list[dict[str, Any]] = field(default_factory=list)
    gc_history: list[dict[str, Any]] = field(default_factory=list)
    scanners: list[dict[str, Any]] = field(default_factory=list)
    garbage_bytes: int = 0  # deleted but not yet garbage-collected: in the blob table, in no quota
    version: str = "v2.15.2-fake"  # the shapes follow it: see `has`

    def has(self, feature: str) -> bool:
        """Whether the emulated version answers a field or endpoint (the collector's own table of versions)."""
        from analysis.collectors.harbor_api import parse_version, supports

        return supports(parse_version(self.version), feature) is not False

    def __post_init__(self) -> None:
        self._artifact_ids: dict[tuple[str, str], int] = {}
        for p in self.projects:
            for r in p.repositories:
                for a in r.artifacts:
                    self._artifact_ids[(r.name, a.digest)] = len(self._artifact_ids) + 1
                    m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
                    if m.config_digest:
                        self.blob_sizes.setdefault(m.config_digest, m.config_size or 0)
                    for layer in m.layers:
                        self.blob_sizes.setdefault(layer.digest, layer.size)

    def blobs_of(self, artifacts: list[FakeArtifact]) -> dict[str, int]:
        """Blob digest → size referenced by artifacts: layers, configs and the manifests (Harbor's blob table)."""
        out: dict[str, int] = {}
        for a in artifacts:
            out[a.digest] = len(a.manifest)
            m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
            if m.config_digest:
                out[m.config_digest] = m.config_size or 0
            for layer in m.layers:
                out[layer.digest] = layer.size
        return out

    def project_usage(self, p: FakeProject) -> int:
        # Harbor charges a blob shared by several projects to each of them (harbor-facts §1.3).
        return sum(self.blobs_of([a for r in p.repositories for a in r.artifacts]).values())

    def total_storage(self) -> int:
        every = [a for p in self.projects for r in p.repositories for a in r.artifacts]
        return sum(self.blobs_of(every).values()) + self.garbage_bytes

    def artifact_size(self, repo: FakeRepository, a: FakeArtifact) -> int:
        if a.children:
            by_digest = {x.digest: x for x in repo.artifacts}
            return len(a.manifest) + sum(self.artifact_size(repo, by_digest[c]) for c in a.children if c in by_digest)
        m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
        return len(a.manifest) + (m.config_size or 0) + sum(layer.size for layer in m.layers)

    def artifact_id(self, repo: str, digest: str) -> int:
        return self._artifact_ids[(repo, digest)]

    def manifest(self, repo: str, digest: str) -> FakeArtifact | None:
        for p in self.projects:
            for r in p.repositories:
                if r.name == repo:
                    for a in r.artifacts:
                        if a.digest == digest:
                            return a
        return None


# ---- the server ----------------------------------------------------------------------------------------------
class FakeHarbor:
    """Serve `HarborData` on 127.0.0.1 (a free port). Use as a context manager."""

    def __init__(self, data: HarborData, *, validator: SpecValidator | None = None) -> None:
        self.data = data
        self.validator = validator or SpecValidator()
        self.requests: list[tuple[str, str]] = []  # (method, raw path) of every request
        self.violations: list[str] = []
        self.faults: dict[str, tuple[int, str]] = {}  # swagger template → (status, Harbor's error message)
        self.corrupt: dict[str, Any] = {}  # swagger template → a body to answer instead (spec-violation tests)
        self.logged_headers: list[dict[str, str]] = []
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def __enter__(self) -> FakeHarbor:
        handler = type("Handler", (_Handler,), {"harbor": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-harbor", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metrics_url(self) -> str:
        return self.url + "/metrics"

    def methods(self) -> set[str]:
        return {m for m, _ in self.requests}

    # auth
    def user(self, header: str | None) -> tuple[str, FakeUser] | None:
        if not header or not header.startswith("Basic "):
            return None
        try:
            name, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        u = self.data.users.get(name)
        return (name, u) if u and secrets.compare_digest(u.password, password) else None

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
        return token

    def token_ok(self, header: str | None) -> bool:
        return bool(header and header.startswith("Bearer ") and header[7:] in self._tokens)


class _Handler(BaseHTTPRequestHandler):
    harbor: FakeHarbor
    protocol_version = "HTTP/1.1"
    # Headers and body in one segment, without Nagle: otherwise every keep-alive response waits ~40 ms for a
    # delayed ACK.
    disable_nagle_algorithm = True
    wbufsize = -1

    def log_message(self, *args: Any) -> None:  # quiet: tests read `requests` instead
        return None

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def _refuse(self) -> None:
        self.harbor.requests.append((self.command, self.path))
        self._send(405, b"", "text/plain")

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

    # plumbing
    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", "fake-" + hashlib.md5(self.path.encode()).hexdigest()[:8])  # noqa: S324
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _api(self, status: int, body: Any, template: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.harbor.validator.check(self.command, template, status, body, headers or {})
        except SpecViolation as exc:
            self.harbor.violations.append(str(exc))
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _error(self, status: int, code: str, message: str, template: str) -> None:
        self._api(status, {"errors": [{"code": code, "message": message}]}, template)

    def _dispatch(self, method: str) -> None:
        h = self.harbor
        h.requests.append((method, self.path))
        h.logged_headers.append(dict(self.headers))
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith(API + "/"):
            self._api_request(parts.path[len(API) :], query)
        elif parts.path == "/metrics":
            self._send(200, _exporter_text(h.data).encode(), "text/plain; version=0.0.4")
        elif parts.path == "/service/token":
            who = h.user(self.headers.get("Authorization"))
            if who is None:
                self._send(
                    401, b'{"errors":[{"code":"UNAUTHORIZED","message":"invalid credentials"}]}', "application/json"
                )
            else:
                self._send(200, json.dumps({"token": h.issue_token(), "expires_in": 1800}).encode(), "application/json")
        elif parts.path.startswith("/v2/"):
            self._registry(parts.path)
        else:
            self._send(404, b"", "text/plain")

    # /v2/: manifests by digest behind a Bearer challenge (Harbor's token service)
    def _registry(self, path: str) -> None:
        h = self.harbor
        if not h.token_ok(self.headers.get("Authorization")):
            m = re.match(r"/v2/(.+)/manifests/", path)
            scope = f',scope="repository:{m.group(1)}:pull"' if m else ""
            challenge = f'Bearer realm="{h.url}/service/token",service="harbor-registry"{scope}'
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized to access repository"}]}'
            self._send(401, body, "application/json", {"WWW-Authenticate": challenge})
            return
        if path == "/v2/":
            self._send(200, b"{}", "application/json", {"Docker-Distribution-Api-Version": "registry/2.0"})
            return
        m = re.fullmatch(r"/v2/(.+)/manifests/(sha256:[0-9a-f]{64})", path)
        artifact = h.data.manifest(m.group(1), m.group(2)) if m else None
        if artifact is None:
            self._send(
                404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', "application/json"
            )
            return
        self._send(200, artifact.manifest, artifact.media_type, {"Docker-Content-Digest": artifact.digest})

    # /api/v2.0
    def _api_request(self, path: str, query: dict[str, str]) -> None:
        h = self.harbor
        found = h.validator.route(path)
        if found is None:
            self._send(404, b"", "text/plain")
            return
        template, params = found
        if template in ("/health", "/ping"):
            user = None
        else:
            who = h.user(self.headers.get("Authorization"))
            if who is None:
                self._error(401, "UNAUTHORIZED", "unauthorized", template)
                return
            user = who
        if user and template in user[1].forbidden:
            self._error(403, "FORBIDDEN", f"{user[0]} has no permission to access the resource", template)
            return
        if template in h.faults:
            status, message = h.faults[template]
            self._error(status, "UNKNOWN" if status >= 500 else "ERROR", message, template)
            return
        if "page_size" in query and int(query["page_size"]) > MAX_PAGE_SIZE:
            h.violations.append(f"GET {template}: page_size {query['page_size']} exceeds the spec's maximum 100")
        if template in h.corrupt:
            self._api(200, h.corrupt[template], template)
            return
        handler = _ROUTES.get(template)
        if handler is None:
            self._send(404, b"", "text/plain")
            return
        try:
            result = handler(h.data, params, query, user[1] if user else None)
        except KeyError as exc:
            self._error(404, "NOT_FOUND", f"{exc.args[0]} not found", template)
            return
        if isinstance(result, _Page):
            self._page(result.items, template, path, query)
        else:
            self._api(200, result, template)

    def _page(self, items: list[Any], template: str, path: str, query: dict[str, str]) -> None:
        page = max(1, int(query.get("page", 1)))
        size = max(1, min(MAX_PAGE_SIZE, int(query.get("page_size", 10))))
        chunk = items[(page - 1) * size : page * size]
        links = []
        rest = {k: v for k, v in query.items() if k not in ("page", "page_size")}
        if page > 1:
            links.append(f'<{API}{path}?{urlencode({**rest, "page": page - 1, "page_size": size})}>; rel="prev"')
        if page * size < len(items):
            links.append(f'<{API}{path}?{urlencode({**rest, "page": page + 1, "page_size": size})}>; rel="next"')
        headers = {"X-Total-Count": str(len(items))}
        if links:
            headers["Link"] = " , ".join(links)
        self._api(200, chunk, template, headers)


@dataclass
class _Page:
    items: list[Any]


def _project(data: HarborData, key: str) -> FakeProject:
    key = unquote(key)
    for p in data.projects:
        if str(p.project_id) == key or p.name == key:
            return p
    raise KeyError(f"project {key}")


def _repository(data: HarborData, params: dict[str, str]) -> tuple[FakeProject, FakeRepository]:
    project = _project(data, params["project_name"])
    raw = params["repository_name"]
    if re.search(r"%2f", raw, re.IGNORECASE) and not re.search(r"%252f", raw, re.IGNORECASE):
        # encoded once: Harbor's router decodes %2F into a path separator and finds no such route
        raise KeyError(f"repository {raw} (a name with / must be URL-encoded twice)")
    name = f"{project.name}/{unquote(unquote(raw))}"
    for r in project.repositories:
        if r.name == name:
            return project, r
    raise KeyError(f"repository {name}")


def _project_json(data: HarborData, p: FakeProject) -> dict[str, Any]:
    meta: dict[str, str] = {"public": str(p.public).lower(), "auto_scan": "false"}
    if p.retention is not None:
        meta["retention_id"] = str(p.retention["id"])
    out = {
        "project_id": p.project_id,
        "name": p.name,
        "owner_id": 1,
        "owner_name": "admin",
        "repo_count": len(p.repositories),
        "creation_time": ts(datetime(2025, 1, 1, tzinfo=UTC)),
        "update_time": ts(datetime(2025, 6, 1, tzinfo=UTC)),
        "deleted": False,
        "togglable": True,
        "current_user_role_ids": [1],
        "metadata": meta,
        "cve_allowlist": {"id": 0, "project_id": p.project_id, "items": []},
    }
    if p.registry_id:
        out["registry_id"] = p.registry_id
    return out


def _r_projects(data: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> _Page:
    return _Page([_project_json(data, p) for p in data.projects])


def _r_summary(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    p = _project(data, params["project_name_or_id"])
    out: dict[str, Any] = {
        "repo_count": len(p.repositories),
        "project_admin_count": 1,
        "maintainer_count": 0,
        "developer_count": 2,
        "guest_count": 0,
        "limited_guest_count": 0,
        "quota": {"hard": {"storage": p.quota_hard}, "used": {"storage": data.project_usage(p)}},
    }
    if p.registry_id:
        out["registry"] = next(r for r in data.registries if r["id"] == p.registry_id)
    return out


def _r_quotas(data: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> _Page:
    return _Page(
        [
            {
                "id": 100 + p.project_id,
                "ref": {"id": p.project_id, "name": p.name, "owner_name": "admin"},
                "hard": {"storage": p.quota_hard},
                "used": {"storage": data.project_usage(p)},
                "creation_time": ts(datetime(2025, 1, 1, tzinfo=UTC)),
                "update_time": ts(datetime(2025, 6, 1, tzinfo=UTC)),
            }
            for p in data.projects
        ]
    )


def _r_repositories(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> _Page:
    p = _project(data, params["project_name"])
    return _Page(
        [
            {
                "id": 1000 * p.project_id + i,
                "project_id": p.project_id,
                "name": r.name,
                "description": "",
                "artifact_count": len(r.artifacts),
                "pull_count": r.pull_count,
                "creation_time": ts(r.created_at),
                "update_time": ts(max((a.pushed_at for a in r.artifacts), default=r.created_at)),
            }
            for i, r in enumerate(p.repositories)
        ]
    )


def _accessory_json(data: HarborData, r: FakeRepository, acc: FakeArtifact) -> dict[str, Any]:
    subject = data.artifact_id(r.name, acc.subject or "")
    return {
        "id": 5000 + data.artifact_id(r.name, acc.digest),
        "artifact_id": data.artifact_id(r.name, acc.digest),
        "subject_artifact_id": subject,
        "subject_artifact_digest": acc.subject,
        "subject_artifact_repo": r.name,
        "size": data.artifact_size(r, acc),
        "digest": acc.digest,
        "type": acc.accessory_type,
        "icon": "",
        "creation_time": ts(acc.pushed_at),
    }


def _r_accessories(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> _Page:
    _p, r = _repository(data, params)
    ref = unquote(params["reference"])
    return _Page([_accessory_json(data, r, a) for a in r.artifacts if a.subject == ref])


def _r_artifacts(data: HarborData, params: dict, query: dict, _u: FakeUser | None) -> _Page:
    p, r = _repository(data, params)
    items = []
    # Accessories are not listed on their own (Harbor: accessory.Display() is false for cosign, notation, SBOMs).
    listed = [a for a in r.artifacts if a.subject is None or not data.has("accessories")]
    for a in sorted(listed, key=lambda x: x.pushed_at, reverse=True):
        aid = data.artifact_id(r.name, a.digest)
        m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
        item: dict[str, Any] = {
            "id": aid,
            "type": "IMAGE",
            "media_type": "application/vnd.oci.image.index.v1+json"
            if a.children
            else (m.artifact_type or "application/vnd.oci.image.config.v1+json"),
            "manifest_media_type": a.media_type,
            "project_id": p.project_id,
            "repository_id": 1,
            "repository_name": r.name,
            "digest": a.digest,
            "size": data.artifact_size(r, a),
            "push_time": ts(a.pushed_at),
            "pull_time": ts(a.pulled_at),
            "extra_attrs": {},
            "annotations": {},
            "references": [
                {
                    "parent_id": aid,
                    "child_id": data.artifact_id(r.name, c),
                    "child_digest": c,
                    "platform": {"os": "linux", "architecture": "amd64" if i == 0 else "arm64"},
                }
                for i, c in enumerate(a.children)
            ],
            "labels": [],
        }
        if data.has("artifact_type") and not a.children:
            item["artifact_type"] = m.artifact_type or "application/vnd.oci.image.config.v1+json"
        if data.has("accessories") and query.get("with_accessory") == "true":
            item["accessories"] = [_accessory_json(data, r, x) for x in r.artifacts if x.subject == a.digest]
        if query.get("with_tag", "true") == "true":
            item["tags"] = [
                {
                    "id": aid * 100 + i,
                    "repository_id": 1,
                    "artifact_id": aid,
                    "name": t,
                    "push_time": ts(a.pushed_at),
                    "pull_time": ts(a.pulled_at),
                    "immutable": False,
                }
                for i, t in enumerate(a.tags)
            ]
        items.append(item)
    return _Page(items)


def _r_retention(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    for p in data.projects:
        if p.retention is not None and str(p.retention["id"]) == params["id"]:
            return p.retention
    raise KeyError(f"retention {params['id']}")


def _r_immutable(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> _Page:
    return _Page(_project(data, params["project_name_or_id"]).immutable_rules)


def _r_statistics(data: HarborData, _p: dict, _q: dict, user: FakeUser | None) -> dict[str, Any]:
    public = [p for p in data.projects if p.public]
    out = {
        "private_project_count": len(data.projects) - len(public),
        "private_repo_count": sum(len(p.repositories) for p in data.projects if not p.public),
        "public_project_count": len(public),
        "public_repo_count": sum(len(p.repositories) for p in public),
        # Filled only for a system administrator; others get zeros, not an omission (handler/statistic.go).
        "total_project_count": 0,
        "total_repo_count": 0,
        "total_storage_consumption": 0,
    }
    if user is not None and user.sysadmin:
        out["total_project_count"] = len(data.projects)
        out["total_repo_count"] = sum(len(p.repositories) for p in data.projects)
        out["total_storage_consumption"] = data.total_storage()
    if not data.has("storage_total"):
        del out["total_storage_consumption"]  # before v2.3 the field does not exist (goharbor/harbor#14772)
    return out


def _r_systeminfo(data: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    return {
        "harbor_version": data.version,
        "registry_storage_provider_name": "filesystem",
        "external_url": "https://harbor.example.internal",
        "registry_url": "harbor.example.internal",
        "auth_mode": "db_auth",
        "read_only": False,
        "self_registration": False,
        "has_ca_root": False,
        "notification_enable": True,
        "project_creation_restriction": "adminonly",
        "current_time": ts(datetime.now(UTC)),
    }


def _r_health(_d: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    names = ("core", "database", "jobservice", "portal", "redis", "registry", "registryctl")
    return {"status": "healthy", "components": [{"name": n, "status": "healthy"} for n in names]}


_ROUTES = {
    "/systeminfo": _r_systeminfo,
    "/health": _r_health,
    "/statistics": _r_statistics,
    "/projects": _r_projects,
    "/projects/{project_name_or_id}/summary": _r_summary,
    "/quotas": _r_quotas,
    "/projects/{project_name}/repositories": _r_repositories,
    "/projects/{project_name}/repositories/{repository_name}/artifacts": _r_artifacts,
    "/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories": _r_accessories,
    "/retentions/{id}": _r_retention,
    "/projects/{project_name_or_id}/immutabletagrules": _r_immutable,
    "/replication/policies": lambda d, *_: _Page(d.replication_policies),
    "/registries": lambda d, *_: _Page(d.registries),
    "/system/gc": lambda d, *_: _Page(d.gc_history),
    "/scanners": lambda d, *_: _Page(d.scanners),
}


def _exporter_text(data: HarborData) -> str:
    """What Harbor's exporter serves (harbor-facts §2.2), plus a Go runtime family collectors should skip."""
    lines = ["# HELP go_goroutines Number of goroutines.", "# TYPE go_goroutines gauge", "go_goroutines 42"]

    def family(name: str, help_: str, samples: Iterator[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} gauge")
        for labels, v in samples:
            text = ",".join(f'{k}="{val}"' for k, val in labels.items())
            lines.append(f"{name}{{{text}}} {v}" if text else f"{name} {v}")

    ps = data.projects
    family(
        "harbor_project_quota_usage_byte",
        "quota usage",
        ((({"project_name": p.name}), data.project_usage(p)) for p in ps),
    )
    family("harbor_project_quota_byte", "quota", (({"project_name": p.name}, p.quota_hard) for p in ps))
    family(
        "harbor_artifact_pulled",
        "pulls",
        (({"project_name": p.name}, sum(r.pull_count for r in p.repositories)) for p in ps),
    )
    family(
        "harbor_project_repo_total",
        "repositories",
        (({"project_name": p.name, "public": str(p.public).lower()}, len(p.repositories)) for p in ps),
    )
    family(
        "harbor_project_artifact_total",
        "artifacts",
        (
            (
                {"artifact_type": "IMAGE", "project_name": p.name, "public": str(p.public).lower()},
                sum(len(r.artifacts) for r in p.repositories),
            )
            for p in ps
        ),
    )
    if data.has("exporter_storage_total"):
        family("harbor_statistics_total_storage_consumption", "blob table", iter([({}, data.total_storage())]))
    family("harbor_health", "health", iter([({}, 1)]))
    family("harbor_up", "component up", (({"component": c}, 1) for c in ("core", "database", "registry")))
    return "\n".join(lines) + "\n"


# ---- builders ------------------------------------------------------------------------------------------------
_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def image_manifest(layers: list[tuple[str, int]], config: tuple[str, int]) -> bytes:
    body = {
        "schemaVersion": 2,
        "mediaType": _OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s} for d, s in layers
        ],
    }
    return json.dumps(body, indent=2).encode()


def index_manifest(children: list[bytes]) -> bytes:
    arch = ["amd64", "arm64", "s390x"]
    body = {
        "schemaVersion": 2,
        "mediaType": _OCI_INDEX,
        "manifests": [
            {
                "mediaType": _OCI_MANIFEST,
                "digest": sha(c),
                "size": len(c),
                "platform": {"os": "linux", "architecture": arch[i]},
            }
            for i, c in enumerate(children)
        ],
    }
    return json.dumps(body).encode()


def accessory_manifest(subject: bytes, artifact_type: str | None, layer: tuple[str, str, int]) -> bytes:
    """An OCI 1.1 manifest attached to `subject`: a cosign signature (artifact_type None: a config blob and a
    simplesigning layer) or an artifact such as an SBOM (artifactType set, the empty config)."""
    config = (
        {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(b"{}"), "size": 2}
        if artifact_type
        else {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob("cosign-cfg"), "size": 233}
    )
    body: dict[str, Any] = {"schemaVersion": 2, "mediaType": _OCI_MANIFEST}
    if artifact_type:
        body["artifactType"] = artifact_type
    body["config"] = config
    body["layers"] = [{"mediaType": layer[0], "digest": layer[1], "size": layer[2]}]
    body["subject"] = {"mediaType": _OCI_MANIFEST, "digest": sha(subject), "size": len(subject)}
    return json.dumps(body).encode()


def signed_with_sbom(image: FakeArtifact, day: datetime) -> list[FakeArtifact]:
    """A cosign signature and an SPDX SBOM attached to `image`, as Harbor keeps them (its accessory types)."""
    sig = accessory_manifest(
        image.manifest, None, ("application/vnd.dev.cosign.simplesigning.v1+json", blob("sig-" + image.digest), 254)
    )
    sbom = accessory_manifest(
        image.manifest, "application/spdx+json", ("application/spdx+json", blob("sbom-" + image.digest), 48_000)
    )
    return [
        FakeArtifact(sha(sig), sig, _OCI_MANIFEST, [], day, subject=image.digest, accessory_type="signature.cosign"),
        FakeArtifact(sha(sbom), sbom, _OCI_MANIFEST, [], day, subject=image.digest, accessory_type="subject.accessory"),
    ]


def blob(name: str) -> str:
    return sha(name.encode())


def sample_data(*, admin_password: str, robot_secret: str, big_repository_artifacts: int = 205) -> HarborData:
    """A small Harbor for tests: shared base layers across projects, an index, a proxy-cache project, a
    repository with enough artifacts for three pages, policies, GC history, scanners and replication."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    base = [(blob("base-os"), 30_000_000), (blob("base-runtime"), 12_000_000)]

    def img(app: str, size: int, tags: list[str], day: int, pulled: int | None = None) -> FakeArtifact:
        body = image_manifest([*base, (blob(app), size)], (blob("cfg-" + app), 1_500))
        return FakeArtifact(
            sha(body),
            body,
            _OCI_MANIFEST,
            tags,
            t0 + timedelta(days=day),
            t0 + timedelta(days=pulled) if pulled is not None else None,
        )

    amd = image_manifest([*base, (blob("svc-amd64"), 4_000_000)], (blob("cfg-svc-amd64"), 900))
    arm = image_manifest(
        [(blob("base-os-arm"), 28_000_000), (blob("svc-arm64"), 3_900_000)], (blob("cfg-svc-arm"), 900)
    )
    idx = index_manifest([amd, arm])
    index = FakeArtifact(
        sha(idx),
        idx,
        _OCI_INDEX,
        ["1.0", "latest"],
        t0 + timedelta(days=20),
        t0 + timedelta(days=40),
        children=[sha(amd), sha(arm)],
    )
    children = [FakeArtifact(sha(b), b, _OCI_MANIFEST, [], t0 + timedelta(days=20)) for b in (amd, arm)]
    pay = img("pay", 20_000_000, ["v1"], 30, 59)
    many = [
        img(f"build-{i}", 100_000 + i, [f"b{i}"], i % 60, (i % 60) + 1 if i % 3 == 0 else None)
        for i in range(big_repository_artifacts)
    ]
    retention = {
        "id": 7,
        "algorithm": "or",
        "rules": [
            {
                "id": 1,
                "priority": 1,
                "disabled": False,
                "action": "retain",
                "template": "latestPushedK",
                "params": {"latestPushedK": {}},
                "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                "scope_selectors": {
                    "repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]
                },
            }
        ],
        "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 2 * * *"}},
        "scope": {"level": "project", "ref": 1},
    }
    immutable = [
        {
            "id": 3,
            "priority": 0,
            "disabled": False,
            "action": "immutable",
            "template": "immutable_template",
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        }
    ]
    ecr = {
        "id": 1,
        "name": "ecr-prod",
        "type": "aws-ecr",
        "url": "https://api.ecr.eu-west-1.amazonaws.com",
        "insecure": False,
        "status": "healthy",
        "description": "",
        "credential": {"type": "basic", "access_key": "AKIAFAKEFAKEFAKE", "access_secret": "*****"},
        "creation_time": ts(t0),
        "update_time": ts(t0),
    }
    hub = {
        **ecr,
        "id": 2,
        "name": "docker-hub",
        "type": "docker-hub",
        "url": "https://hub.docker.com",
        "credential": {"type": "basic", "access_key": "", "access_secret": ""},
    }
    projects = [
        FakeProject(
            1,
            "platform",
            [
                FakeRepository(
                    "platform/base-python",
                    [img("py", 8_000_000, ["3.12", "latest"], 1, 50), img("py-old", 7_900_000, [], 0)],
                    pull_count=420,
                ),
                FakeRepository("platform/team/svc", [index, *children], pull_count=77),
                FakeRepository("platform/ci/builds", many, pull_count=1_000),
            ],
            retention=retention,
            immutable_rules=immutable,
            quota_hard=500 * 2**30,
        ),
        FakeProject(
            2,
            "payments",
            # a signed image with an SBOM: two accessories Harbor lists under it, stored and charged like any blob
            [FakeRepository("payments/api", [pay, *signed_with_sbom(pay, t0 + timedelta(days=30))], pull_count=3)],
            public=False,
        ),
        FakeProject(
            3,
            "dockerhub-cache",
            [
                FakeRepository(
                    "dockerhub-cache/library/nginx", [img("nginx", 41_000_000, ["1.27"], 45, 60)], pull_count=900
                )
            ],
            public=True,
            registry_id=2,
        ),
    ]
    return HarborData(
        projects=projects,
        users={
            "admin": FakeUser(admin_password, sysadmin=True),
            "robot$collector": FakeUser(robot_secret),
            "robot$limited": FakeUser(robot_secret, forbidden={"/quotas", "/system/gc", "/registries"}),
        },
        registries=[ecr, hub],
        replication_policies=[
            {
                "id": 1,
                "name": "pull-from-ecr",
                "description": "",
                "src_registry": ecr,
                "dest_namespace": "platform",
                "trigger": {"type": "scheduled", "trigger_settings": {"cron": "0 0 * * * *"}},
                "filters": [{"type": "name", "value": "platform/**"}],
                "replicate_deletion": False,
                "override": True,
                "enabled": True,
                "speed": -1,
                "creation_time": ts(t0),
                "update_time": ts(t0),
            }
        ],
        gc_history=[
            {
                "id": 11,
                "job_name": "GARBAGE_COLLECTION",
                "job_kind": "SCHEDULE",
                "job_status": "Success",
                "job_parameters": json.dumps(
                    {
                        "delete_untagged": True,
                        "dry_run": False,
                        "workers": 1,
                        "time_window": 2,
                        "freed_space": 5_368_709_120,
                        "purged_blobs": 812,
                        "purged_manifests": 97,
                    }
                ),
                "schedule": {"type": "Weekly", "cron": "0 0 0 * * 6"},
                "deleted": False,
                "creation_time": ts(t0 + timedelta(days=55)),
                "update_time": ts(t0 + timedelta(days=55, hours=2)),
            },
            {
                "id": 12,
                "job_name": "GARBAGE_COLLECTION",
                "job_kind": "MANUAL",
                "job_status": "Success",
                "job_parameters": json.dumps(
                    {"delete_untagged": False, "dry_run": True, "workers": 1, "freed_space": 1_000_000}
                ),
                "schedule": {"type": "Manual"},
                "deleted": False,
                "creation_time": ts(t0 + timedelta(days=58)),
                "update_time": ts(t0 + timedelta(days=58)),
            },
        ],
        scanners=[
            {
                "uuid": "trivy-1",
                "name": "Trivy",
                "description": "",
                "url": "http://trivy-adapter:8080",
                "disabled": False,
                "is_default": True,
                "auth": "",
                "access_credential": "",
                "skip_certVerify": False,
                "use_internal_addr": True,
                "adapter": "Trivy",
                "vendor": "Aqua Security",
                "version": "v0.38.0",
                "health": "healthy",
            }
        ],
        garbage_bytes=3 * 2**30,  # deleted since the last GC: in the blob table until the next one
    )


def harbor_from_estate(estate: Any, *, robot_secret: str, prefix: str = "platform/") -> HarborData:
    """Part of the demo estate as a Harbor holds it: the `platform/*` repositories of the management account's
    home region as project `platform` (same manifests, same digests as in ECR), and the ECR pull-through
    cache repository as a proxy-cache project — so a report can set the two sides side by side."""
    home = (estate.management_account, estate.regions[0])
    by_repo: dict[str, list[Any]] = {}
    for img in estate.images:
        if (img.account_id, img.region) == home and (
            img.repository.startswith(prefix) or "/library/" in img.repository
        ):
            by_repo.setdefault(img.repository, []).append(img)
    pulls: dict[str, int] = {}
    for p in estate.pull_counts:
        if (p.account_id, p.region) == home:
            pulls[p.repository] = pulls.get(p.repository, 0) + p.pulls
    platform = FakeProject(1, prefix.rstrip("/"), quota_hard=-1)
    cache_project = FakeProject(2, "dockerhub-cache", public=True, registry_id=1)
    for name, images in sorted(by_repo.items()):
        artifacts = []
        for img in images:
            m = parse_manifest(img.manifest, img.manifest_media_type, img.digest)
            artifacts.append(
                FakeArtifact(
                    img.digest,
                    img.manifest.encode(),
                    img.manifest_media_type,
                    list(img.tags),
                    img.pushed_at,
                    img.last_pull_at,
                    children=[c.digest for c in m.children],
                    # an OCI 1.1 referrer (a sigstore bundle): Harbor keeps it as a `subject.accessory` of its image
                    subject=img.subject_digest,
                    accessory_type="subject.accessory" if img.subject_digest else None,
                )
            )
        if name.startswith(prefix):
            platform.repositories.append(FakeRepository(name, artifacts, pulls.get(name, 0)))
        else:  # docker-hub/library/nginx → dockerhub-cache/library/nginx
            short = name.split("/", 1)[1]
            cache_project.repositories.append(FakeRepository(f"dockerhub-cache/{short}", artifacts, pulls.get(name, 0)))
    hub = {
        "id": 1,
        "name": "docker-hub",
        "type": "docker-hub",
        "url": "https://hub.docker.com",
        "insecure": False,
        "status": "healthy",
        "description": "",
        "credential": {"type": "basic", "access_key": "", "access_secret": ""},
        "creation_time": ts(estate.now),
        "update_time": ts(estate.now),
    }
    return HarborData(
        projects=[platform, cache_project],
        users={"robot$regcost-demo": FakeUser(robot_secret)},
        registries=[hub],
        garbage_bytes=0,
    )

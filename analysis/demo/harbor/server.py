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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from analysis.demo.harbor.exporter import exporter_text
from analysis.demo.harbor.projects import FakeUser, HarborData
from analysis.demo.harbor.routes import ROUTES, Page
from analysis.demo.harbor.spec import API, MAX_PAGE_SIZE, SpecValidator, SpecViolation


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
            self._send(200, exporter_text(h.data).encode(), "text/plain; version=0.0.4")
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
        handler = ROUTES.get(template)
        if handler is None:
            self._send(404, b"", "text/plain")
            return
        try:
            result = handler(h.data, params, query, user[1] if user else None)
        except KeyError as exc:
            self._error(404, "NOT_FOUND", f"{exc.args[0]} not found", template)
            return
        if isinstance(result, Page):
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

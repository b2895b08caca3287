"""The registry HTTP client: reads only, errors in the server's own words with secrets removed, credentials
only to the registry's host. Served by a tiny HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from analysis.collectors.http import (
    Credentials,
    HttpClient,
    HttpError,
    UndeclaredRequest,
    parse_link_next,
    scrub,
)

SEEN: list[tuple[str, str | None]] = []  # (path, Authorization header)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        SEEN.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/api/v2.0/projects"):
            body, status = b'[{"name": "library"}]', 200
        elif self.path == "/missing":
            body, status = json.dumps({"errors": [{"code": "NOT_FOUND", "message": "repository x not found"}]}), 404
            body = body.encode()
        else:
            body, status = b"upstream hiccup for robot:hunter2 at http://robot:hunter2@example.com/x", 500
        self.send_response(status)
        self.send_header("X-Request-Id", "req-42")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_read_with_basic_auth_counted_by_path(server):
    SEEN.clear()
    client = HttpClient(server + "/", Credentials("robot", "hunter2"))
    resp = client.get("/api/v2.0/projects", params={"page": 1})
    assert resp.json() == [{"name": "library"}]
    assert SEEN[0][0] == "/api/v2.0/projects?page=1"
    assert SEEN[0][1].startswith("Basic ")
    assert client.calls[("GET", "/api/v2.0/projects")] == 1


def test_the_servers_error_text_with_its_request_id(server):
    client = HttpClient(server)
    with pytest.raises(HttpError) as caught:
        client.get("/missing")
    err = caught.value
    assert (err.method, err.path, err.status, err.code) == ("GET", "/missing", 404, "NOT_FOUND")
    assert err.message == "GET /missing → 404 Not Found: repository x not found (request id req-42)"


def test_a_password_in_an_error_body_is_redacted(server):
    client = HttpClient(server, Credentials("robot", "hunter2"))
    with pytest.raises(HttpError) as caught:
        client.get("/boom")
    assert "hunter2" not in caught.value.message
    assert caught.value.code == "HTTP500"
    assert "for robot:[redacted] at http://example.com/x" in caught.value.message


def test_only_get_and_head_are_ever_sent(server):
    SEEN.clear()
    with pytest.raises(UndeclaredRequest, match=r"DELETE /api/v2.0/projects/1: regcost only reads \(GET/HEAD\)"):
        HttpClient(server).request("DELETE", "/api/v2.0/projects/1")
    assert SEEN == []


def test_credentials_never_go_to_another_host(server):
    SEEN.clear()
    client = HttpClient("http://registry.invalid", Credentials("robot", "hunter2"))
    client.get(server + "/api/v2.0/projects")  # a Link or metrics URL on another host
    assert SEEN == [("/api/v2.0/projects", None)]


def test_urls_and_links():
    client = HttpClient("https://u:p@harbor.example/")
    assert client.base_url == "https://harbor.example"
    assert client.url("/v2/_catalog") == "https://harbor.example/v2/_catalog"
    assert client.url("https://x:y@other.example/m") == "https://other.example/m"
    assert parse_link_next('</v2/_catalog?n=2&last=b>; rel="next"') == "/v2/_catalog?n=2&last=b"
    assert parse_link_next('<a>; rel="prev" , <b>; rel="next"') == "b"  # Harbor joins links with " , "
    assert parse_link_next(None) is None


def test_scrub_and_repr_never_show_a_secret():
    assert scrub("Authorization: Bearer abc.def-ghi", set()) == "Authorization: Bearer [redacted]"
    assert scrub("token s3cr3t leaked", {"s3cr3t"}) == "token [redacted] leaked"
    assert repr(Credentials("robot", "hunter2")) == "Credentials(username='robot', password=[redacted])"

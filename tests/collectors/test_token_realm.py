"""The token realm rule over real sockets: an HTTPS registry (verified with a CA bundle) whose Bearer challenge
names another place gets the password sent there only over HTTPS and only to a host the user named."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from analysis.collectors.http import Credentials, HttpClient, HttpError

PASSWORD = "realm-pa55word-never-sent-4b1d"


class _Seen(BaseHTTPRequestHandler):
    """Answers every GET; remembers the Authorization header of each request (the realm's view)."""

    seen: list[str | None]
    challenge: str = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen.append(self.headers.get("Authorization"))
        is_token = self.path.split("?")[0].endswith("/token")
        if self.challenge and not is_token and not (self.headers.get("Authorization") or "").startswith("Bearer "):
            self.send_response(401)
            self.send_header("WWW-Authenticate", self.challenge)
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        else:
            self.send_response(200)
            body = json.dumps({"token": "tok-123"}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


def _serve(challenge: str = "", tls: ssl.SSLContext | None = None) -> tuple[ThreadingHTTPServer, list[str | None]]:
    seen: list[str | None] = []
    handler = type("Handler", (_Seen,), {"seen": seen, "challenge": challenge})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA: the --ca-bundle the user passes)."""
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(crt)],
        check=True,
        capture_output=True,
    )
    return key, crt


@pytest.fixture()
def tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[1]), str(cert[0]))
    return ctx


@pytest.fixture()
def servers() -> Iterator[list[ThreadingHTTPServer]]:
    started: list[ThreadingHTTPServer] = []
    yield started
    for s in started:
        s.shutdown()
        s.server_close()


def _registry(servers, tls, realm: str) -> str:
    server, _ = _serve(f'Bearer realm="{realm}",service="registry",scope="registry:catalog:*"', tls)
    servers.append(server)
    return f"https://127.0.0.1:{server.server_address[1]}"


def test_an_http_realm_on_another_port_never_receives_the_password(servers, tls, cert):
    realm_server, realm_seen = _serve()
    servers.append(realm_server)
    realm = f"http://127.0.0.1:{realm_server.server_address[1]}/token"
    client = HttpClient(_registry(servers, tls, realm), Credentials("alice", PASSWORD), ca_bundle=str(cert[1]))
    with pytest.raises(HttpError) as caught:
        client.get("/v2/_catalog")
    assert caught.value.code == "RealmRefused"
    assert "not HTTPS" in caught.value.message and PASSWORD not in caught.value.message
    assert realm_seen == []  # the cleartext realm was never even contacted


def test_an_https_realm_on_another_host_gets_credentials_only_when_named(servers, tls, cert):
    realm_server, realm_seen = _serve(tls=tls)
    servers.append(realm_server)
    realm = f"https://localhost:{realm_server.server_address[1]}/token"  # another host name than 127.0.0.1
    base = _registry(servers, tls, realm)
    with pytest.raises(HttpError, match="--trust-realm localhost"):
        HttpClient(base, Credentials("alice", PASSWORD), ca_bundle=str(cert[1])).get("/v2/_catalog")
    assert realm_seen == []

    named = HttpClient(base, Credentials("alice", PASSWORD), ca_bundle=str(cert[1]), trusted_realms=("localhost",))
    assert named.get("/v2/_catalog").status_code == 200
    assert realm_seen and realm_seen[0].startswith("Basic ")  # the named realm got the basic credentials


def test_the_registrys_own_https_host_is_a_realm_without_naming_it(servers, tls, cert):
    # Harbor's realm is <its own URL>/service/token: same host, HTTPS, nothing to name.
    registry, seen = _serve('Bearer realm="https://127.0.0.1:{port}/service/token",service="harbor-registry"', tls)
    servers.append(registry)
    port = registry.server_address[1]
    registry.RequestHandlerClass.challenge = registry.RequestHandlerClass.challenge.replace("{port}", str(port))
    client = HttpClient(f"https://127.0.0.1:{port}", Credentials("alice", PASSWORD), ca_bundle=str(cert[1]))
    assert client.get("/v2/_catalog").status_code == 200
    assert any(h and h.startswith("Bearer tok-123") for h in seen)

"""A small, read-only HTTP client for registries (Harbor's API, the OCI distribution API, Prometheus exporters).

Read-only by construction: only GET and HEAD exist here. Credentials never leave this module in text: every
message it produces is scrubbed of the password, bearer tokens and any userinfo in URLs (requests' own
exceptions can echo a URL, and a URL can carry `user:password@`).
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from analysis.urls import strip_userinfo

READ_METHODS = frozenset({"GET", "HEAD"})
TIMEOUT_S = 30.0
RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_ATTEMPTS = 3
RETRY_BACKOFF_S = 0.5


class HttpError(Exception):
    """A request that failed: an HTTP status (with the server's own error text) or no answer at all."""

    def __init__(self, method: str, path: str, status: int | None, code: str, message: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message


class UndeclaredRequest(RuntimeError):
    """A method other than GET/HEAD was attempted: refused before anything is sent."""


_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]+@")
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(basic|bearer)\s+[A-Za-z0-9._~+/=-]+")


def scrub(text: str, secrets: set[str] | frozenset[str] = frozenset()) -> str:
    """Remove userinfo from URLs, Authorization header values and every known secret from `text`."""
    text = _USERINFO.sub(r"\g<scheme>", text)
    text = _AUTH_HEADER.sub(r"\1\2 [redacted]", text)
    for s in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(s, "[redacted]")
    return text


@dataclass
class Credentials:
    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:  # never print the password, even in a debugger or a traceback's locals
        return f"Credentials(username={self.username!r}, password=[redacted])"


class HttpClient:
    """GET/HEAD against one base URL, with basic auth, an optional Bearer-token flow, TLS and scrubbed errors."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        ca_bundle: str | None = None,
        insecure: bool = False,
        timeout: float = TIMEOUT_S,
        trusted_realms: tuple[str, ...] = (),
    ) -> None:
        self.base_url = strip_userinfo(base_url).rstrip("/")
        self.credentials = credentials
        # Hosts other than the registry's own that may receive the credentials as a token realm: only those
        # the user named (--trust-realm).
        self.trusted_realms = frozenset(h.lower() for h in trusted_realms)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "regcost"
        self.session.trust_env = False  # no proxy/netrc surprises: what is called is what the user named
        self.session.verify = False if insecure else (ca_bundle or True)
        self._insecure = insecure
        self._secrets: set[str] = {credentials.password} if credentials and credentials.password else set()
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self.calls: Counter[tuple[str, str]] = Counter()  # (method, path without query)

    # -- secrets -----------------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    # -- requests ----------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return strip_userinfo(path)
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("HEAD", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        """Send one read request; raise HttpError (scrubbed) unless the status is in `ok`."""
        if method not in READ_METHODS:
            raise UndeclaredRequest(f"{method} {path}: regcost only reads (GET/HEAD)")
        url = self.url(path)
        shown = urlsplit(url).path
        # Credentials go only to the host they were given for: a Link or metrics URL elsewhere gets none.
        auth = auth and urlsplit(url).netloc == urlsplit(self.base_url).netloc
        resp = self._send(method, url, shown, params, headers, auth)
        if resp.status_code == 401 and auth and self.credentials:
            challenge = resp.headers.get("WWW-Authenticate", "")
            if challenge.lower().startswith("bearer "):
                token = self._token(challenge, shown)
                if token:
                    resp = self._send(method, url, shown, params, {**(headers or {}), "_bearer": token}, auth)
        if resp.status_code not in ok:
            raise HttpError(method, shown, resp.status_code, _code(resp), self.scrub(_message(method, shown, resp)))
        return resp

    def _send(
        self,
        method: str,
        url: str,
        shown: str,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
        auth: bool,
    ) -> requests.Response:
        headers = dict(headers or {})
        bearer = headers.pop("_bearer", None)
        basic = None
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        elif auth and self.credentials:
            basic = (self.credentials.username, self.credentials.password)
        last: Exception | None = None
        for _attempt in range(RETRY_ATTEMPTS):
            with self._lock:
                self.calls[(method, shown)] += 1
            try:
                with warnings.catch_warnings():
                    if self._insecure:  # the user chose --insecure and was told once; not once per request
                        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    resp = self.session.request(
                        method, url, params=params, headers=headers, auth=basic, timeout=self.timeout
                    )
            except requests.exceptions.SSLError as exc:
                raise HttpError(
                    method,
                    shown,
                    None,
                    "TLSError",
                    self.scrub(f"TLS verification failed for {url}: {_first(exc)}")
                    + " (pass --ca-bundle FILE for a private CA, or --insecure to skip verification)",
                ) from None
            except requests.exceptions.RequestException as exc:
                last = exc
                continue
            if resp.status_code in RETRY_STATUSES:
                last = None
                if _attempt < RETRY_ATTEMPTS - 1:
                    time.sleep(RETRY_BACKOFF_S * (_attempt + 1))  # a gateway or a restarting core: back off
                    continue
            return resp
        if last is not None:
            raise HttpError(
                method, shown, None, type(last).__name__, self.scrub(f"no answer from {url}: {_first(last)}")
            ) from None
        return resp  # the last 5xx, reported by the caller

    def realm_refusal(self, realm: str) -> str | None:
        """Why the credentials must not go to this token realm, or None when they may.

        The realm comes from the server's WWW-Authenticate header, so whoever answers (or sits between) names
        where the password goes. It goes only over HTTPS, and only to the registry's own host or to a host the
        user named. The one exception is the very origin the user named (scheme, host and port): basic auth
        already goes there.
        """
        parts, base = urlsplit(realm), urlsplit(self.base_url)
        host = (parts.hostname or "").lower()
        if (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower()):
            return None
        if parts.scheme != "https":
            return self.scrub(
                f"token realm {strip_userinfo(realm)} is not HTTPS: credentials are sent only over HTTPS, so none "
                "were sent (ask the registry's operator to serve its token service over HTTPS)"
            )
        if host != (base.hostname or "").lower() and host not in self.trusted_realms:
            return self.scrub(
                f"token realm {strip_userinfo(realm)} is on another host than {base.hostname}: credentials were not "
                f"sent; pass --trust-realm {host} if that is the registry's token service"
            )
        return None

    def _token(self, challenge: str, shown: str) -> str | None:
        """The distribution token flow: GET the realm with basic auth for the challenged scope (read-only)."""
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = fields.get("realm")
        if not realm:
            return None
        refused = self.realm_refusal(realm)
        if refused:
            raise HttpError("GET", shown, None, "RealmRefused", refused)
        params = {k: v for k, v in fields.items() if k in ("service", "scope")}
        key = f"{realm}|{params.get('service')}|{params.get('scope')}"
        with self._lock:
            if key in self._tokens:
                return self._tokens[key]
        resp = self._send("GET", realm, urlsplit(realm).path, params, None, True)
        if resp.status_code != 200:
            return None
        body = resp.json()
        token = body.get("token") or body.get("access_token")
        if token:
            with self._lock:
                self._tokens[key] = token
                self._secrets.add(token)
        return token


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _code(resp: requests.Response) -> str:
    errors = _errors(resp)
    if errors and errors[0].get("code"):
        return str(errors[0]["code"])
    return f"HTTP{resp.status_code}"


def _errors(resp: requests.Response) -> list[dict[str, Any]]:
    try:
        body = resp.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _message(method: str, path: str, resp: requests.Response) -> str:
    """The server's own error text (Harbor and distribution both answer {"errors":[{code,message}]})."""
    errors = _errors(resp)
    text = "; ".join(str(e.get("message") or e.get("code")) for e in errors) if errors else resp.text.strip()[:200]
    request_id = resp.headers.get("X-Request-Id")
    suffix = f" (request id {request_id})" if request_id else ""
    return f"{method} {path} → {resp.status_code} {resp.reason or ''}: {text or 'no error text'}{suffix}".replace(
        " :", ":"
    )


def parse_link_next(header: str | None) -> str | None:
    """The rel="next" URL of an RFC 5988 Link header (Harbor joins links with " , ")."""
    if not header:
        return None
    for part in header.split(","):
        m = re.match(r'\s*<([^>]*)>\s*;\s*rel="?next"?', part)
        if m:
            return m.group(1)
    return None

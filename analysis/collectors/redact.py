"""Redaction by rule: what looks like a credential is removed before anything is stored.

A fixed list of key names lets new ones through (Harbor's GC job parameters carry `redis_url_reg`, a URL whose
user-info is the Redis password; a repository policy or a tag can hold anything a person typed). So every
collector passes free-form values through `redact` before a record is built, and the rules are about shape:

- a key whose name says credential (password, passwd, secret, token, credential, private key, access key,
  api key, auth, session, cookie …): its value is replaced by `REDACTED` (the key stays, so the reader knows one
  was set; an empty value stays empty, so "no credential" stays visible);
- a value that parses as a URL with user-info (`redis://:pw@host`, `https://user:pw@host`): the user-info goes,
  the rest of the URL stays (the host is useful and not a secret); a secret-named query parameter goes too;
- a value that looks like a credential whatever its key: `key=value` pairs with a credential key, a PEM private
  key, a bearer/basic authorization, an AWS secret-key or access-key-id shape, well-known token prefixes
  (GitHub, GitLab, Slack, OpenAI-style `sk-`), a JWT: replaced by `REDACTED`.

A tag's or label's key/value pair ({"Key": "db_password", "Value": "…"}) is judged by the pair's key.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "<redacted>"

# Words that make a key name a credential's. Matched on word boundaries of snake/camel/kebab names, so
# `password`, `redisPassword`, `access_secret`, `x-auth-token` match; `tokens_used` does not need to.
_SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
    "auth",
    "authorization",
    "session",
    "cookie",
)
# Compound names whose parts are ordinary words alone ("api", "key", "private", "access").
_SECRET_PAIRS = (("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("client", "secret"))
# Key names that contain a credential word but hold none (Harbor's own fields).
_SAFE_KEYS = frozenset({"auth_mode", "credential_type", "oidc_auth", "authproxy", "primary_auth_mode"})

_URL_WITH_USERINFO = re.compile(r"\b([a-z][a-z0-9+.\-]*://)([^/@\s:]*(?::[^/@\s]*)?)@", re.IGNORECASE)
_VALUE_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\b(?:bearer|basic)\s+[a-z0-9._~+/=\-]{8,}", re.IGNORECASE),
    re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b"),  # AWS access key ids
    re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat|glpat|xox[abposr]|sk|sk-proj|hf|npm|pypi)[-_][A-Za-z0-9_\-]{16,}"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # a JWT
)
# An AWS secret access key: 40 characters of base64 standing alone, mixing cases and digits (a git commit id is
# 40 lowercase hex characters and stays).
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_PAIR_IN_TEXT = re.compile(r"([A-Za-z0-9_.\-]+)\s*[=:]\s*([^\s&;,'\"}]+)")


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def secret_key(key: str) -> bool:
    """True when a key's name says it holds a credential."""
    if key.lower() in _SAFE_KEYS:
        return False
    words = _words(key)
    joined = "".join(words)
    if any(w in _SECRET_WORDS for w in words) or joined in _SECRET_WORDS:
        return True
    return any(a in words and b in words for a, b in _SECRET_PAIRS) or any(a + b in joined for a, b in _SECRET_PAIRS)


def _strip_url(match: re.Match[str]) -> str:
    return match.group(1)


def _mixed(s: str) -> bool:
    return any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s)


def redact_text(text: str) -> str:
    """A string with user-info removed from URLs, and `REDACTED` if what is left still looks like a secret."""
    out = _URL_WITH_USERINFO.sub(_strip_url, text)
    out = _redact_query(out)
    if any(p.search(out) for p in _VALUE_PATTERNS) or any(_mixed(m.group()) for m in _AWS_SECRET.finditer(out)):
        return REDACTED
    for m in _PAIR_IN_TEXT.finditer(out):
        if secret_key(m.group(1)) and m.group(2):
            return REDACTED
    return out


def _redact_query(text: str) -> str:
    """`https://h/p?token=x&a=1` → `https://h/p?a=1`: credential-named query parameters of a URL go."""
    if "://" not in text or "?" not in text or any(c.isspace() for c in text):
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.query:
        return text
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not secret_key(k)]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def redact(obj: Any) -> Any:
    """A copy of a JSON-like value with every credential-looking key's value and string removed (module doc)."""
    if isinstance(obj, dict):
        pair_key = _pair_key(obj)
        out: dict[str, Any] = {}
        for k, v in obj.items():
            named = isinstance(k, str) and secret_key(k) and not isinstance(v, bool)
            paired = pair_key is not None and isinstance(k, str) and k.lower() == "value"
            if (named or paired) and v not in (None, "", [], {}):
                out[k] = REDACTED
            else:
                out[k] = redact(v)
        return out
    if isinstance(obj, list | tuple):
        return [redact(x) for x in obj]
    if isinstance(obj, str):
        return redact_text(obj)
    return obj


def _pair_key(obj: dict[str, Any]) -> str | None:
    """A tag/label {"Key": k, "Value": v} whose k names a credential: its value must go."""
    lower = {str(k).lower(): v for k, v in obj.items()}
    key = lower.get("key")
    if "value" in lower and isinstance(key, str) and secret_key(key):
        return key
    return None


def redact_json_text(text: str | None) -> str | None:
    """A JSON document given as text (a repository policy, Harbor's job_parameters), redacted and re-serialised;
    text that is not JSON is redacted as text."""
    if text is None:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return redact_text(text)
    clean = redact(doc)
    return text if clean == doc else json.dumps(clean, sort_keys=True)  # untouched text stays byte for byte


def redact_tags(tags: list[dict[str, str]]) -> str:
    """AWS resource tags ([{"Key", "Value"}]) as the JSON object regcost stores, a credential-named tag's value
    and any credential-looking value removed."""
    return json.dumps(redact({t["Key"]: t["Value"] for t in tags}), sort_keys=True)

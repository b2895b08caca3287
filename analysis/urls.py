"""Registry URLs as regcost stores them: never with credentials (a run's scope, the warehouse's registry id)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def strip_userinfo(url: str) -> str:
    """`https://user:pw@host:443/x` → `https://host:443/x` (the form stored in a run's scope)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def has_userinfo(url: str) -> bool:
    return "@" in urlsplit(url).netloc


def registry_id(url: str) -> str:
    """The registry's identity in the warehouse: its URL without credentials, query or trailing slash."""
    return strip_userinfo(url).split("?", 1)[0].rstrip("/")

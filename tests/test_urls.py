"""Registry URLs are stored without credentials: the scope of a run and the warehouse's registry id."""

from __future__ import annotations

from analysis.urls import has_userinfo, registry_id, strip_userinfo


def test_credentials_are_stripped_and_the_rest_kept():
    assert (
        strip_userinfo("https://robot$ci:s3cret@harbor.example.com:8443/v2/") == "https://harbor.example.com:8443/v2/"
    )
    # A password holding "@" is still removed whole: the host is what follows the last "@".
    assert strip_userinfo("https://u:p@ss@host/x") == "https://host/x"
    assert strip_userinfo("https://host/x?q=1") == "https://host/x?q=1"


def test_has_userinfo_looks_at_the_host_part_only():
    assert has_userinfo("https://u:p@host")
    assert not has_userinfo("https://host/path@v1")


def test_registry_id_drops_credentials_query_and_trailing_slash():
    assert registry_id("https://admin:pw@harbor.example.com/?page=2") == "https://harbor.example.com"
    assert registry_id("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
    # The same registry reached with or without credentials is one registry.
    assert registry_id("https://u:p@r.example/") == registry_id("https://r.example")

"""What the collector knows of Harbor's API: paths, the messages of failed calls, and Harbor's value formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from analysis.collectors.harbor_api import (
    ENDPOINTS,
    HarborReader,
    dump_json,
    explain,
    harbor_bool,
    harbor_int,
    harbor_time,
    repo_path,
    without_credential,
)
from analysis.collectors.http import HttpError
from analysis.collectors.oci import RegistryResult


def test_a_repository_name_goes_into_the_path_encoded_twice():
    # Harbor's swagger: the repository name without its project, with "/" as %252F.
    assert repo_path("team", "team/app/api") == "/projects/team/repositories/app%252Fapi"
    assert repo_path("team", "api") == "/projects/team/repositories/api"


def test_a_403_names_the_permission_the_endpoint_needs():
    exc = HttpError("GET", "/api/v2.0/quotas", 403, "FORBIDDEN", "forbidden")
    message = explain(exc, "/quotas", "robot$ci")
    assert ENDPOINTS["/quotas"].permission in message
    assert message.endswith("forbidden")


def test_a_401_names_the_account_and_how_robot_accounts_are_spelled():
    exc = HttpError("GET", "/api/v2.0/projects", 401, "UNAUTHORIZED", "unauthorized")
    assert "'robot$ci'" in explain(exc, "/projects", "robot$ci")
    assert "robot$<name>" in explain(exc, "/projects", None)


def test_a_server_error_keeps_harbors_own_text():
    exc = HttpError("GET", "/api/v2.0/health", 502, "BAD_GATEWAY", "upstream down")
    assert explain(exc, "/health", None) == "Harbor failed on GET /health (502); Harbor said: upstream down"


def test_a_time_never_set_is_none_not_year_one():
    assert harbor_time("0001-01-01T00:00:00.000Z") is None
    assert harbor_time(None) is None
    assert harbor_time("2026-03-01T10:00:00.000Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_an_unknown_number_is_none_never_zero():
    assert harbor_int("12") == 12
    assert harbor_int("") is None
    assert harbor_int("n/a") is None
    assert harbor_int(0) == 0


def test_metadata_booleans_are_strings():
    assert harbor_bool("true") is True
    assert harbor_bool("false") is False
    assert harbor_bool(None) is None


def test_a_credential_is_replaced_by_its_type():
    endpoint = {"name": "hub", "credential": {"type": "basic", "access_key": "me", "access_secret": "s3cret"}}
    assert without_credential(endpoint) == {"name": "hub", "credential_type": "basic"}
    assert "s3cret" not in dump_json([endpoint])
    assert json.loads(dump_json(endpoint)) == {"credential_type": "basic", "name": "hub"}


class _Response:
    def __init__(self, items: list[int], headers: dict[str, str]) -> None:
        self._items, self.headers = items, headers

    def json(self) -> list[int]:
        return self._items


def _reader(total: str) -> tuple[HarborReader, RegistryResult]:
    link = '</api/v2.0/projects?page=2>; rel="next"'
    pages = {
        "/api/v2.0/projects": _Response([1, 2], {"X-Total-Count": total, "Link": link}),
        "/api/v2.0/projects?page=2": _Response([3], {"X-Total-Count": total}),
    }
    client = SimpleNamespace(credentials=None, get=lambda url, **_: pages[url])
    out = RegistryResult("https://harbor.example", "harbor")
    return HarborReader(client, out, page_size=2), out  # type: ignore[arg-type]


def test_the_reader_follows_link_next_to_the_last_page():
    reader, out = _reader("3")
    assert reader.pages("/projects", "/projects") == [1, 2, 3]
    assert out.errors == []


def test_the_reader_records_pages_that_do_not_add_up_to_x_total_count():
    reader, out = _reader("2")
    assert reader.pages("/projects", "/projects") == [1, 2, 3]
    assert [e.message for e in out.errors] == ["GET /projects: X-Total-Count says 2, the pages held 3"]

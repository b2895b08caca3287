"""`regcost collect harbor|oci` as a person meets it: every mistake is one line with exit status 2 before any
request, the password comes from one place and is never printed, and unknown storage is never shown as zero."""

from __future__ import annotations

import pytest

from analysis.cli.collect_registry import _physical_cell
from tests.cli.test_collect import _one_line_error, collect


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--url", "registry.example.com"], "--url must start with https:// or http://"),
        (["--url", "https://r.example", "--metrics-url", "r.example:9090"], "--metrics-url must start with https://"),
        (["--url", "https://r.example", "--username", "admin"], "--username needs --password-env or --password-file"),
        (["--url", "https://r.example", "--ca-bundle", "nowhere.pem"], "--ca-bundle nowhere.pem: no such file"),
    ],
)
@pytest.mark.parametrize("kind", ["harbor", "oci"])
def test_registry_mistakes_are_caught_before_any_request(tmp_path, kind, args, says):
    result = collect(kind, *args, tmp_path=tmp_path)
    assert result.exit_code == 2
    assert says in _one_line_error(result)


def test_the_registry_password_comes_from_one_place(tmp_path, monkeypatch):
    monkeypatch.setenv("REG_PW", "s3cret-from-env")
    secret = tmp_path / "pw"
    secret.write_text("s3cret-from-file\n")
    base = ["harbor", "--url", "https://r.example", "--username", "admin"]

    both = collect(*base, "--password-env", "REG_PW", "--password-file", str(secret), tmp_path=tmp_path)
    assert both.exit_code == 2
    assert "use either --password-env or --password-file, not both" in _one_line_error(both)

    empty = tmp_path / "empty"
    empty.write_text("\n")
    blank = collect(*base, "--password-file", str(empty), tmp_path=tmp_path)
    assert blank.exit_code == 2
    assert f"--password-file {empty} is empty" in _one_line_error(blank)

    missing = collect(*base, "--password-file", str(tmp_path / "nope"), tmp_path=tmp_path)
    assert missing.exit_code == 2
    assert "cannot read --password-file" in _one_line_error(missing) and "No such file" in missing.output
    # the secrets never appear in what is printed
    assert "s3cret" not in both.output + blank.output + missing.output


def test_physical_storage_says_where_it_comes_from_and_never_shows_zero_for_unknown():
    gib = 2**30
    assert _physical_cell({"physical_bytes": None, "physical_source": None}) == "unknown"
    assert _physical_cell({"physical_bytes": 3 * gib, "physical_source": "statistics"}) == "3.0 GiB"
    assert _physical_cell({"physical_bytes": 3 * gib, "physical_source": "exporter"}) == "3.0 GiB (exporter)"
    # 1.5 GiB = 1,610,612,736 bytes, summed from the blobs the collector saw: a lower bound
    assert _physical_cell({"physical_bytes": 1_610_612_736, "physical_source": "blob_sum"}) == (
        "1.5 GiB (blob sums, lower bound)"
    )

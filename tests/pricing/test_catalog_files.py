"""Reading catalog files: duplicate keys refused, errors that name file and field, the shipped files found."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.pricing.catalog_files import expand_paths, read_catalog_file, shipped_dir, shipped_files
from analysis.pricing.catalog_format import CatalogError

ENTRY = (
    "  - {id: aws.transfer.internet_out, region: us-east-1, unit: GB, currency: USD, price: %s, "
    "source: 'https://example.com/p', as_of: 2026-11-01}\n"
)


def test_a_good_file_reads_with_its_origin(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text("catalog_version: 1\nprices:\n" + ENTRY % "0.05")
    (entry,) = read_catalog_file(path).prices
    assert entry.price == 0.05
    assert entry.origin == path


def test_an_error_names_the_file_and_the_field_path(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("catalog_version: 1\nprices:\n" + ENTRY % "-1")
    with pytest.raises(CatalogError, match=r"bad.yaml: prices\[0\]\.price"):
        read_catalog_file(path)


def test_a_duplicate_key_is_refused_not_silently_overwritten(tmp_path: Path):
    path = tmp_path / "dup.yaml"
    path.write_text("catalog_version: 1\ncatalog_version: 1\n")
    with pytest.raises(CatalogError, match="catalog_version"):
        read_catalog_file(path)


def test_a_directory_stands_for_its_yaml_files(tmp_path: Path):
    for name in ("b.yaml", "a.yml", "c.txt"):
        (tmp_path / name).write_text("")
    assert expand_paths([tmp_path]) == [tmp_path / "b.yaml", tmp_path / "a.yml"]
    assert expand_paths([tmp_path / "c.txt"]) == [tmp_path / "c.txt"]


def test_the_shipped_files_are_found_and_a_wrong_data_dir_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert shipped_files() and all(p.parent == shipped_dir() for p in shipped_files())
    monkeypatch.setenv("REGCOST_DATA_DIR", str(tmp_path))
    with pytest.raises(CatalogError, match="shipped price catalog not found"):
        shipped_dir()


def test_every_shipped_file_read_back_from_the_cache_is_what_parsing_gives(tmp_path: Path, monkeypatch):
    """The second read of a valid file (a new command) comes from the user's cache, and gives the same entries,
    the same fields set (scenario-style defaults stay defaults) and the same origin as parsing the YAML."""
    from analysis.pricing import catalog_files

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parsed = [read_catalog_file(p) for p in shipped_files()]  # parses every file, keeps each
    assert len(list((tmp_path / "regcost" / "catalog").glob("*.json"))) == len(parsed)
    monkeypatch.setattr(catalog_files, "_parse", lambda *_: pytest.fail("parsed again instead of read back"))
    cached = [read_catalog_file(p) for p in shipped_files()]
    for path, a, b in zip(shipped_files(), parsed, cached, strict=True):
        assert b.model_dump(exclude_unset=True) == a.model_dump(exclude_unset=True), path.name
        assert [e.origin for e in b.prices] == [path] * len(a.prices)


def test_an_edited_or_damaged_cache_is_parsed_again_and_a_read_only_cache_costs_only_time(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "mine.yaml"
    path.write_text("catalog_version: 1\nprices:\n" + ENTRY % "0.05")
    assert read_catalog_file(path).prices[0].price == 0.05
    path.write_text("catalog_version: 1\nprices:\n" + ENTRY % "0.07")  # the file edited: its new price
    assert read_catalog_file(path).prices[0].price == 0.07
    for kept in (tmp_path / "cache" / "regcost" / "catalog").glob("*.json"):
        kept.write_text('{"catalog_version": 1, "prices": [{"price": "damaged"}]}')
    assert read_catalog_file(path).prices[0].price == 0.07
    path.write_text("catalog_version: 1\nprices:\n" + ENTRY % "-1")  # an invalid file is never cached as valid
    with pytest.raises(CatalogError, match=r"prices\[0\]\.price"):
        read_catalog_file(path)
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/regcost-cannot-write-here")
    path.write_text("catalog_version: 1\nprices:\n" + ENTRY % "0.09")
    assert read_catalog_file(path).prices[0].price == 0.09

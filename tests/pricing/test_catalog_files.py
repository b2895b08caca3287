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

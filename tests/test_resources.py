"""Shipped files are found from a source checkout (this test run) as an installed wheel finds them in `_data/`."""

from __future__ import annotations

from analysis import resources


def test_a_checkout_reads_the_repository_data_folder():
    data = resources.shipped_data()
    assert (data / "pricing" / "aws.yaml").is_file()
    assert (data / "scenarios").is_dir()


def test_the_dashboard_script_and_its_pages_exist():
    assert resources.dashboard_app().name == "app.py"
    assert resources.dashboard_app().is_file()
    assert (resources.dashboard_pages() / "overview.py").is_file()


def test_an_installed_package_prefers_its_own_data(tmp_path, monkeypatch):
    (tmp_path / "_data").mkdir()
    (tmp_path / "_app").mkdir()
    (tmp_path / "_app" / "app.py").write_text("")
    monkeypatch.setattr(resources, "PACKAGE", tmp_path)
    assert resources.shipped_data() == tmp_path / "_data"
    assert resources.dashboard_app() == tmp_path / "_app" / "app.py"

"""Report fixtures: one kaleido chart server (a headless Chromium) shared by every PDF rendered in this folder,
and poppler (pdftotext, pdfinfo, pdftoppm) to read what was rendered."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analysis.render.pdf import chart_server


@pytest.fixture(scope="session")
def charts_server() -> Iterator[None]:
    with chart_server():
        yield


def _pdf_text(pdf: Path, page: int | None = None) -> str:
    """The PDF's text as poppler extracts it, whitespace runs collapsed to one space."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


@pytest.fixture(scope="session")
def pdf_text() -> Callable[..., str]:
    return _pdf_text

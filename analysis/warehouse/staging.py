"""The writer's lock and staging file: how a writer never opens the warehouse itself (see db.py's docstring).

`<db>.lock` admits one writer at a time; the writer works on `<db>.staging`, a copy, and the warehouse
replaces the file with it when it closes (db.Warehouse.close).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import duckdb


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def take_writer_lock(path: Path) -> int:
    """An exclusive lock on `<db>.lock` for the life of the writer (the kernel drops it if the process dies).

    Raises BlockingIOError at once when another writer holds it (the caller says so to the person)."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise
    return fd


def stage(path: Path) -> Path:
    """A private copy of the warehouse for this writer: `<db>.staging` (any left by a killed writer is replaced)."""
    staging = path.with_name(path.name + ".staging")
    for leftover in (staging, wal(staging)):
        leftover.unlink(missing_ok=True)
    if path.exists():
        if wal(path).exists():
            # Left by a writer of an older regcost that died: fold it into the file before copying it.
            duckdb.connect(str(path)).close()
        shutil.copyfile(path, staging)
    return staging


def fsync_dir(folder: Path) -> None:
    """Make the rename durable (a power loss after it must not bring the old file back half-way)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

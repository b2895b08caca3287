"""Reading price catalog files: YAML without duplicate keys, validated into `CatalogFile`, with errors that name
the file, the field path (`prices[3].tiers[1].price`) and what was expected; where the shipped files are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from analysis.pricing.catalog_format import DATA_DIR_ENV, CatalogError, CatalogFile
from analysis.resources import cache_dir, shipped_data
from analysis.validation import format_validation_error

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's loader when PyYAML was built with it: ~10x faster parsing
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoDuplicateKeysLoader(_SafeLoader):
    """PyYAML keeps the last of two equal keys silently; in a price file that hides a typo."""


def _construct_mapping(loader: _NoDuplicateKeysLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool | type(None)):
            continue  # complex keys are rejected later by the schema, with a field path
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_NoDuplicateKeysLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


_FORMAT_SOURCE = Path(__file__).with_name("catalog_format.py")  # part of the cache key


def unknown_catalog_key(_name: str) -> str:
    """What a catalog error says of a key the format does not have."""
    return "unknown key (not part of the catalog format; see docs/pricing.md)"


def read_catalog_file(path: Path) -> CatalogFile:
    """Parse and validate one catalog file; `CatalogError` names the file, the field path and what is wrong.

    A file that was valid once is read back from the user's cache (`_cache_file`): PyYAML builds the 620 kB of
    aws-regions.yaml in Python, 0.2–0.3 s of every command that prices anything; its validated JSON takes 15 ms."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog file: {exc.strerror or exc}") from exc
    cache = _cache_file(data)
    try:
        parsed = CatalogFile.model_validate_json(cache.read_bytes())
    except (OSError, ValueError):  # not cached yet, or by another version of the format (a ValidationError)
        parsed = _parse(path, data.decode("utf-8"))
        _keep(cache, parsed)
    for entry in parsed.prices:
        entry._origin = path
    for parameter in parsed.parameters:
        parameter._origin = path
    for rate in parsed.fx:
        rate._origin = path
    for rule in parsed.approximations:
        rule._origin = path
    return parsed


def _cache_file(data: bytes) -> Path:
    """Where a valid file's parse is kept: named by the file's bytes and the format's own source, so an edited
    file or another regcost's format is parsed again, never read from a stale copy."""
    digest = hashlib.sha256(data)
    digest.update(_FORMAT_SOURCE.read_bytes())
    return cache_dir() / "catalog" / f"{digest.hexdigest()[:32]}.json"


def _keep(cache: Path, parsed: CatalogFile) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(parsed.model_dump_json(by_alias=True, exclude_unset=True))  # what the file set, no defaults
        tmp.replace(cache)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only home: parse again next time


def _parse(path: Path, text: str) -> CatalogFile:
    """The YAML parsed, validated and checked for keys given twice in the file."""
    try:
        raw = yaml.load(text, Loader=_NoDuplicateKeysLoader)  # a SafeLoader subclass: data only, no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError(f"{path}: not valid YAML{where}: {problem}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(
            f"{path}: (top level): expected a mapping with 'catalog_version: 1' and 'prices:' "
            f"(got {type(raw).__name__})"
        )
    try:
        parsed = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(format_validation_error(path, exc, raw, unknown_key=unknown_catalog_key)) from exc
    _check_unique_within(path, parsed)
    return parsed


def _check_unique_within(path: Path, parsed: CatalogFile) -> None:
    """Two entries for the same key in one file is a mistake; across files it is an override."""
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(parsed.prices):
        key = (entry.id, entry.location)
        if key in seen:
            raise CatalogError(
                f"{path}: prices[{i}] (id {entry.id}): duplicate of prices[{seen[key]}] for the same "
                f"{'region' if entry.region else 'site'} {entry.location!r}"
            )
        seen[key] = i
    names: dict[str, int] = {}
    for i, parameter in enumerate(parsed.parameters):
        if parameter.id in names:
            raise CatalogError(
                f"{path}: parameters[{i}] (id {parameter.id}): duplicate of parameters[{names[parameter.id]}]"
            )
        names[parameter.id] = i
    pairs: dict[tuple[str, str], int] = {}
    for i, rate in enumerate(parsed.fx):
        pair = (rate.from_, rate.to)
        if pair in pairs:
            raise CatalogError(f"{path}: fx[{i}]: duplicate of fx[{pairs[pair]}] for {rate.from_}->{rate.to}")
        pairs[pair] = i


def shipped_dir() -> Path:
    """The shipped data/pricing/ (analysis.resources), or `$REGCOST_DATA_DIR/pricing`."""
    override = os.environ.get(DATA_DIR_ENV)
    base = Path(override) if override else shipped_data()
    directory = base / "pricing"
    if not directory.is_dir():
        hint = (
            f"{DATA_DIR_ENV} is {override!r}" if override else f"set {DATA_DIR_ENV} to the directory holding pricing/"
        )
        raise CatalogError(f"shipped price catalog not found at {directory} ({hint})")
    return directory


def shipped_files() -> list[Path]:
    """Our price files, alphabetical (the order they load in)."""
    return sorted(shipped_dir().glob("*.yaml"))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a directory stands for its *.yaml and *.yml files."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")))
        else:
            out.append(p)
    return out

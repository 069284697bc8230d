"""Data files: `data: {file, mode, scope, exhausted}`; CSV with a header row, JSON lines, or a
JSON array of objects. A JSON file's values keep their JSON type (a number stays a number)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadspec.contract.locate import resolve_contract_path
from loadspec.errors import ConfigError
from loadspec.files import FileRefused, SpecFiles, read_regular
from loadspec.language.model import DataMode, DataScope, DataSource
from loadspec.language.values import ValueReader, unknown

__all__ = ["DATA_KEYS", "read_data", "read_rows"]

DATA_KEYS = frozenset({"file", "mode", "scope", "exhausted"})
_EXHAUSTED = ("stop", "wrap")


_JSON_LINES = (".jsonl", ".ndjson")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a CSV file (header row first, values as text), a JSON lines file (`.jsonl`)
    or a JSON file holding an array of objects (`.json`); JSON values keep their type."""
    return _rows(path, _text(path))


def _rows(path: Path, text: str) -> list[dict[str, Any]]:
    if path.suffix in _JSON_LINES:
        return [_json_row(path, n, line) for n, line in enumerate(text.splitlines(), 1) if line]
    if path.suffix == ".json":
        return _json_array(path, text)
    return [dict(row) for row in csv.DictReader(text.splitlines())]


def _json_array(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ConfigError(f"{path}: a .json data file holds an array of objects: [{{...}}, ...]")
    return [{str(k): v for k, v in row.items()} for row in rows]


def _text(path: Path) -> str:
    try:
        return read_regular(path).decode("utf-8-sig")
    except FileRefused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None


def _json_row(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError:
        raise ConfigError(f"{path}:{number}: not a JSON object") from None
    if not isinstance(row, dict):
        raise ConfigError(f"{path}:{number}: not a JSON object")
    return {str(k): v for k, v in row.items()}


def _columns(path: Path) -> tuple[str, ...]:
    text = _text(path)
    rows = _rows(path, text)
    if path.suffix in (*_JSON_LINES, ".json"):
        if not rows:
            raise ConfigError(f"{path}: no rows")
        return tuple(dict.fromkeys(k for row in rows for k in row))
    header = next(csv.reader(text.splitlines()), [])
    if not rows:
        raise ConfigError(f"{path}: no rows under the header row")
    return tuple(name.strip() for name in header if name.strip())


def read_data(
    reader: ValueReader, front: Mapping[str, Any], spec: Path, files: SpecFiles
) -> DataSource | None:
    """The front matter's `data:` mapping, its file found (in `files`) and its header read."""
    value = front.get("data")
    if value is None:
        return None
    given = reader.mapping(("data",), value, "data")
    for key in given:
        if key not in DATA_KEYS:
            reader.error(("data", key), unknown("data key", key, sorted(DATA_KEYS)))
    where = reader.text(("data", "file"), given.get("file"))
    if not where:
        reader.error(("data",), "data needs a file: (a CSV file with a header row)")
        return None
    try:
        path = resolve_contract_path(where, spec, None, files)
    except FileRefused as exc:
        reader.error(("data", "file"), f"data file {where!r} is not read: {exc}")
        return None
    if path is None:
        reader.error(("data", "file"), f"data file {where!r} not found beside the spec or above")
        return None
    return _source(reader, given, path)


def _source(reader: ValueReader, given: Mapping[str, Any], path: Path) -> DataSource | None:
    mode = reader.enum(("data", "mode"), given.get("mode", "sequential"), DataMode, "data mode")
    scope = reader.enum(("data", "scope"), given.get("scope", "iteration"), DataScope, "scope")
    exhausted = str(given.get("exhausted", "stop"))
    if exhausted not in _EXHAUSTED:
        reader.error(
            ("data", "exhausted"), f"data exhausted must be stop or wrap, not {exhausted!r}"
        )
    try:
        columns = _columns(path)
    except ConfigError as exc:
        reader.error(("data", "file"), str(exc))
        return None
    if mode is None or scope is None:
        return None
    return DataSource(path, mode, scope, exhausted, columns)

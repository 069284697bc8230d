"""`$ref`s to published files, read from local folders instead: nothing is ever fetched.

The authors publish their repository at `https://vcita.github.io/developers-hub/`, and their
tool reads such refs from its checkout (`entities/...`). loadspec does the same from the root
(`--root`, or else the nearest folder above the contract that holds the file), and from any
folder a user maps to a prefix (`--ref-base PREFIX=DIR`). Each file referred to is copied into
the contract under `x-loadspec-refs`, and the `$ref`s are rewritten to point there, so every
reader (lookups, response checks, schemathesis) sees one self-contained document.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import yaml

from loadspec.contract.refs import mappings
from loadspec.errors import ConfigError

__all__ = ["AUTHORS_PREFIX", "BUNDLE", "RefBases", "bundle", "parse_ref_base"]

AUTHORS_PREFIX = "https://vcita.github.io/developers-hub/"
BUNDLE = "x-loadspec-refs"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_ref_base(text: str) -> tuple[str, Path]:
    """`PREFIX=DIR` (as `--ref-base` takes it) as a pair; a clear error otherwise."""
    prefix, sep, folder = text.partition("=")
    # A URL holds no `=` before its query, so the first one separates the two.
    if not sep or not prefix.strip() or not folder.strip():
        raise ConfigError(f"--ref-base {text!r} is not PREFIX=DIR")
    return prefix.strip(), Path(folder.strip()).expanduser()


@dataclass(frozen=True, slots=True)
class RefBases:
    """Where `$ref` URLs under known prefixes are read from.

    Attributes:
        mapped: (prefix, folder) pairs, longest prefix first; a None folder is the root.
        root: the run's `--root`; None: the nearest folder above the contract with the file.
    """

    mapped: tuple[tuple[str, Path | None], ...] = ((AUTHORS_PREFIX, None),)
    root: Path | None = None

    @classmethod
    def of(cls, entries: Iterable[tuple[str, Path]] = (), root: Path | None = None) -> RefBases:
        """The authors' prefix (to the root) and every mapped one; later entries win."""
        mapping: dict[str, Path | None] = {AUTHORS_PREFIX: None}
        mapping.update((prefix, folder.absolute()) for prefix, folder in entries)
        ordered = sorted(mapping.items(), key=lambda item: len(item[0]), reverse=True)
        return cls(tuple(ordered), root.absolute() if root is not None else None)

    def locate(self, url: str, contract: Path) -> Path | str | None:
        """The file `url` is published from; why not (text) when it is mapped but missing;
        None when no prefix maps it."""
        for prefix, folder in self.mapped:
            if url.startswith(prefix):
                return self._file(unquote(url[len(prefix) :]), folder, contract)
        return None

    def _file(self, rest: str, folder: Path | None, contract: Path) -> Path | str:
        relative = PurePosixPath(rest)
        if not rest or relative.is_absolute() or ".." in relative.parts:
            return f"maps to {rest!r}, which is not a file path below the mapped folder"
        base = folder or self.root
        if base is not None:
            candidate = base.joinpath(*relative.parts)
            return (
                candidate if candidate.is_file() else f"mapped to {candidate}, which does not exist"
            )
        for above in contract.absolute().parents:
            candidate = above.joinpath(*relative.parts)
            if candidate.is_file():
                return candidate
        return f"mapped to {rest}, which is in no folder above {contract} (give --root)"


def bundle(
    raw: Mapping[str, Any], contract: Path, bases: RefBases
) -> tuple[Mapping[str, Any], Mapping[str, str]]:
    """`raw` with every mapped `$ref` pointing into a copy of its file under `x-loadspec-refs`,
    and the refs that could not be mapped (ref -> why). `raw` itself is never changed."""
    if not any(_maps(ref, bases) for ref in _refs(raw)):
        return raw, {}
    bundler = _Bundler(bases, contract)
    document = copy.deepcopy(dict(raw))
    bundler.rewrite(document, contract, None)
    if bundler.embedded:
        document[BUNDLE] = bundler.embedded
    return document, bundler.unresolved


def _refs(node: Any) -> Iterator[str]:
    for mapping in mappings(node):
        ref = mapping.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            yield ref


def _maps(ref: str, bases: RefBases) -> bool:
    return any(ref.startswith(prefix) for prefix, _ in bases.mapped) or "://" not in ref


class _Bundler:
    """Copies referred files into one document, rewriting `$ref`s as it goes."""

    def __init__(self, bases: RefBases, contract: Path) -> None:
        self.bases = bases
        self.contract = contract
        self.embedded: dict[str, Any] = {}
        self.unresolved: dict[str, str] = {}
        self._keys: dict[Path, str] = {}

    def rewrite(self, node: Any, source: Path, key: str | None) -> None:
        """Rewrite every `$ref` below `node`, which sits in `source` (embedded as `key`)."""
        for mapping in mappings(node):
            ref = mapping.get("$ref")
            if isinstance(ref, str):
                mapping["$ref"] = self._target(ref, source, key)

    def _target(self, ref: str, source: Path, key: str | None) -> str:
        location, _, fragment = ref.partition("#")
        if fragment and not fragment.startswith("/"):
            return ref  # a named anchor: left as it is, like any ref loadspec cannot follow
        if not location:
            return ref if key is None else f"#/{BUNDLE}/{key}{fragment}"
        found = self._locate(location, source)
        if isinstance(found, str):
            self.unresolved[ref] = found
            return ref
        if found is None:
            return ref  # remote and unmapped: left out of fuzzing, named there
        if found.resolve() == self.contract.resolve():
            return f"#{fragment}"
        embedded = self._embed(found, ref)
        return ref if embedded is None else f"#/{BUNDLE}/{embedded}{fragment}"

    def _locate(self, location: str, source: Path) -> Path | str | None:
        if "://" in location:
            return self.bases.locate(location, self.contract)
        candidate = source.parent / unquote(location)
        return candidate if candidate.is_file() else f"resolved to {candidate}, which is missing"

    def _embed(self, path: Path, ref: str) -> str | None:
        resolved = path.resolve()
        if resolved in self._keys:
            return self._keys[resolved]
        try:
            data = _read(resolved)
        except ValueError as exc:
            self.unresolved[ref] = f"mapped to {path}, which cannot be read: {exc}"
            return None
        key = self._key(resolved)
        self._keys[resolved] = key
        if isinstance(data, dict):
            # A copied file is no longer a document of its own: its `$id` would move refs.
            for name in ("$id", "id", "$schema"):
                if isinstance(data.get(name), str):
                    del data[name]
        self.embedded[key] = data
        self.rewrite(data, resolved, key)
        return key

    def _key(self, path: Path) -> str:
        base = _UNSAFE.sub("_", "/".join(path.parts[-3:])).strip("_") or "ref"
        key, number = base, 1
        while key in self.embedded:
            number += 1
            key = f"{base}_{number}"
        return key


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from None
    try:
        if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            return json.loads(text)
        return yaml.load(text, Loader=_YAML_LOADER)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        raise ValueError(f"not JSON or YAML ({str(exc).splitlines()[0][:120]})") from None

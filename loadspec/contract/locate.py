"""Where a spec's `swagger:` or `data:` value points: a regular file inside its spec tree.

Relative values resolve under `--root`, else beside the spec or in a folder above it (then the
current folder); absolute ones from another machine by their longest tail that exists here.
Only a candidate inside the spec tree (or an `--allow-path`) is taken (`loadspec.files`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from loadspec.files import FileRefused, SpecFiles

__all__ = ["forget_lookups", "resolve_contract_path"]

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]|\\")


def resolve_contract_path(
    value: str, spec_path: Path, root: Path | None, within: SpecFiles | None = None
) -> Path | None:
    """The file a spec's `swagger:` (or `data:`) value names, or None if no such file exists.

    Only a regular file inside `within` (default: the spec's own tree) is taken; when the value
    names files only elsewhere, or only a FIFO, a device or a folder, `FileRefused` says why.
    """
    clean = os.path.expanduser(value.strip().strip("\"'`").strip())
    if not clean:
        return None
    if root is not None:
        dirs: tuple[str, ...] = (str(root),)
    else:
        dirs = (*map(str, Path(spec_path).absolute().parents), os.getcwd())
    found, refused = _resolve(clean, dirs, within or SpecFiles.of([spec_path], root))
    if found is None and refused is not None:
        raise FileRefused(refused)
    return Path(found) if found else None


@functools.lru_cache(maxsize=4096)
def _resolve(clean: str, dirs: tuple[str, ...], within: SpecFiles) -> tuple[str | None, str | None]:
    """The first candidate that exists and may be read; else why the first that exists may not."""
    refused: str | None = None
    for candidate in _candidates(clean, dirs):
        if _exists(candidate):
            why = within.refusal(candidate)
            if why is None:
                return candidate, None
            refused = refused or why
    return None, refused


def _candidates(clean: str, dirs: tuple[str, ...]) -> Iterator[str]:
    tail_parts, absolute = _split_value(clean)
    if absolute:
        yield clean
    # Absolute paths come from other machines: the longest tail that exists here is the file meant,
    # and a longer tail under a farther directory is better evidence than a bare name nearby.
    tails = [tail_parts[i:] for i in range(len(tail_parts))] if absolute else [tail_parts]
    for tail in tails:
        for directory in dirs:
            yield os.path.join(directory, *tail)


@functools.lru_cache(maxsize=65536)
def _exists(path: str) -> bool:
    return os.path.exists(path)


def _split_value(clean: str) -> tuple[tuple[str, ...], bool]:
    pure: PurePosixPath | PureWindowsPath
    pure = PureWindowsPath(clean) if _WINDOWS_PATH.search(clean) else PurePosixPath(clean)
    if pure.anchor:
        return pure.parts[1:], True
    return pure.parts, False


def forget_lookups() -> None:
    """Forget every path lookup (`loadspec.contract.lookup.clear_cache`)."""
    _exists.cache_clear()
    _resolve.cache_clear()

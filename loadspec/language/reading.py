"""Reading spec files: `load_spec(path)` -> `SpecResult` with the model and every problem."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from loadspec.errors import LoadspecError, Problem, SpecError
from loadspec.language.build import build_spec
from loadspec.language.check import CheckOptions, check_spec
from loadspec.language.loader import decode, parse_text
from loadspec.language.model import Spec

__all__ = ["CheckOptions", "SpecResult", "find_spec_files", "load_spec", "load_specs", "load_text"]


@dataclass(frozen=True, slots=True)
class SpecResult:
    """One file's outcome.

    Attributes:
        path: the file.
        spec: the model, when the file could be built at all.
        problems: errors and warnings, in file order.
    """

    path: Path
    spec: Spec | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop the spec from running."""
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that do not."""
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def ok(self) -> bool:
        """A model was built and no problem is an error."""
        return self.spec is not None and not self.errors

    def unwrap(self) -> Spec:
        """The spec, or `SpecError` with every error."""
        if self.spec is None or self.errors:
            raise SpecError(self.errors)
        return self.spec


def load_text(text: str, path: Path, options: CheckOptions | None = None) -> SpecResult:
    """Parse, build and check a spec's text."""
    raw = parse_text(text, str(path))
    spec = build_spec(raw, path)
    if spec is not None:
        check_spec(spec, raw, options or CheckOptions())
    problems = sorted(raw.problems, key=lambda p: (p.line, not p.is_error))
    return SpecResult(path, spec, tuple(problems))


def load_spec(path: Path, options: CheckOptions | None = None) -> SpecResult:
    """Read one spec file; bad bytes, bad YAML and bad steps become problems, never exceptions."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SpecResult(path, None, (Problem(str(path), 0, f"cannot read: {exc.strerror}"),))
    text, problems = decode(data, str(path))
    if text is None:
        return SpecResult(path, None, tuple(problems))
    return load_text(text, path, options)


def find_spec_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and every `*.md` below the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(_markdown_below(path)))
        elif path.is_file():
            found.append(path)
        else:
            raise LoadspecError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def load_specs(paths: Iterable[Path], options: CheckOptions | None = None) -> list[SpecResult]:
    """Every spec file under `paths`, loaded and checked."""
    return [load_spec(path, options) for path in find_spec_files(paths)]


def _markdown_below(folder: Path) -> Iterator[Path]:
    # os.walk reads file types from the directory entries: no stat() per file, unlike rglob.
    for root, _, names in os.walk(folder):
        yield from (Path(root, name) for name in names if name.endswith(".md"))

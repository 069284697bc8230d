"""Files named by input: a spec's stay in its tree, only regular files are read, outputs checked.

A spec names files (`swagger:`, `data:`, `file_fields:`); each must be a regular file inside
the spec tree or a path `--allow-path` names (`SpecFiles`). Files a run reads (`read_regular`)
are refused before a byte is read when they are a FIFO, a device, a socket or a folder, and
when they hold more than a cap. A run's outputs are checked before the run (`check_output`).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from loadspec.errors import ConfigError

__all__ = [
    "MAX_UPLOAD_BYTES",
    "PROJECT_MARKERS",
    "FileRefused",
    "SpecFiles",
    "check_input",
    "check_output",
    "file_kind",
    "read_regular",
]

PROJECT_MARKERS = ("pyproject.toml", ".git")
"""A folder holding one of these is a project's top: the spec tree of the specs below it."""
MAX_UPLOAD_BYTES = 32 * 2**20
"""The most a `file_fields` file may hold: it is read whole for every request that sends it."""
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)
# A FIFO opens at once, without a writer; a terminal never becomes the controlling one.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileRefused(ConfigError):
    """A file that is not read: outside the spec tree, not a regular file, or too large."""


def file_kind(mode: int) -> str | None:
    """What a file of this `st_mode` is when it is not a regular file (None: it is one)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "a special file")


@dataclass(frozen=True, slots=True)
class SpecFiles:
    """Where the files a spec names may be.

    Attributes:
        trees: the spec trees, real paths: `--root`; else, for each path named (PATH,
            --specs), the nearest folder at or above it that holds pyproject.toml or .git,
            else that folder (a file's folder, when a file is named).
        allowed: files and folders besides, real paths (`--allow-path`).
    """

    trees: tuple[Path, ...] = ()
    allowed: tuple[Path, ...] = ()

    @classmethod
    def of(
        cls, named: Iterable[Path], root: Path | None = None, allowed: Iterable[Path] = ()
    ) -> SpecFiles:
        """The spec trees of the paths named (or `root`), and the paths allowed besides."""
        trees = (root,) if root is not None else tuple(_tree(Path(p)) for p in named)
        return cls(_real(trees), _real(allowed))

    def refusal(self, path: Path | str) -> str | None:
        """Why a spec may not name the file `path`; None when it may (a file inside that does
        not exist yet may be named: nothing is read).

        Outside every tree is said first, whether or not the file exists.
        """
        real = os.path.realpath(path)
        if not self.holds(real):
            return f"{real} is outside the spec tree ({self.shown()}); --allow-path PATH allows it"
        try:
            found = file_kind(os.stat(real).st_mode)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"{real} cannot be read ({exc.strerror})"
        return None if found is None else f"{real} is {found}, not a regular file"

    def holds(self, real: str) -> bool:
        """Whether the real path `real` is one of the trees or allowed paths, or below one."""
        return any(
            real == str(top) or real.startswith(str(top).rstrip(os.sep) + os.sep)
            for top in (*self.trees, *self.allowed)
        )

    def shown(self) -> str:
        """The trees, for messages."""
        return ", ".join(map(str, self.trees)) or "none"


def _tree(named: Path) -> Path:
    start = named.absolute()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return folder


def _real(paths: Iterable[Path]) -> tuple[Path, ...]:
    return tuple(dict.fromkeys(Path(os.path.realpath(Path(p).expanduser())) for p in paths))


def read_regular(path: Path, cap: int | None = None) -> bytes:
    """The bytes of the regular file `path` (`FileRefused` saying why not, before any byte is
    read for a FIFO, device, socket or folder; or when it holds more than `cap` bytes)."""
    try:
        found = file_kind(os.stat(path).st_mode)
        if found is not None:
            raise FileRefused(f"is {found}, not a regular file")
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror})") from None
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        # Checked again on what was opened: the path may have been swapped since the stat.
        found = file_kind(os.fstat(descriptor).st_mode)
        if found is not None:
            raise FileRefused(f"is {found}, not a regular file")
        # /proc files say they hold 0 bytes: the cap counts what is read, not the size told.
        data = handle.read() if cap is None else handle.read(cap + 1)
    if cap is not None and len(data) > cap:
        raise FileRefused(f"holds more than {_size(cap)}")
    return data


def _size(count: int) -> str:
    return f"{count // 2**20} MiB" if count >= 2**20 else f"{count} bytes"


def check_input(path: Path, what: str) -> None:
    """`ConfigError` unless `path` is a regular file (never a FIFO, a device or a folder)."""
    try:
        found = file_kind(path.stat().st_mode)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot be read ({exc.strerror})") from None
    if found is not None:
        raise ConfigError(f"{what} {path}: is {found}, not a regular file")


def check_output(path: Path, what: str) -> None:
    """`ConfigError` unless the run can write `path`: an existing regular file it can open for
    writing, or a new file in a folder it can write in (a missing folder is made by the writer).

    Each is tried, not inferred from permission bits (which root, ACLs and read-only mounts
    make wrong); a new file is tried as an unnamed temporary file, which leaves nothing.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        _check_new(path, what)
        return
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot be written ({exc.strerror})") from None
    found = file_kind(mode)
    if found is not None:
        raise ConfigError(f"{what} {path}: is {found}, not a file it can write")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot be written ({exc.strerror})") from None


def _check_new(path: Path, what: str) -> None:
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{what} {path}: {folder} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{what} {path}: the folder {folder} cannot be written in ({exc.strerror})"
        ) from None

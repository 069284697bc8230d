"""The spec language: files -> `SpecResult` (`load_spec`), the frozen model (`model`).

Names resolve lazily: `loadspec.language.model` imports no YAML, and importing this package
alone loads nothing but itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadspec._lazy import lazy_exports

if TYPE_CHECKING:
    from loadspec.language.check import CheckOptions
    from loadspec.language.reading import (
        SpecResult,
        SpecVerdict,
        find_spec_files,
        load_spec,
        load_specs,
        load_text,
    )

__all__ = [
    "CheckOptions",
    "SpecResult",
    "SpecVerdict",
    "find_spec_files",
    "load_spec",
    "load_specs",
    "load_text",
]

_READING = "loadspec.language.reading"
__getattr__ = lazy_exports(
    globals(),
    {"CheckOptions": "loadspec.language.check"} | dict.fromkeys(__all__[1:], _READING),
)

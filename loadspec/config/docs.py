"""The README's option tables, written from the table: `python -m loadspec.config.docs FILE...`.

A file holds a block per table: `<!-- options: COMMAND [GROUP ...] -->` ... `<!-- /options -->`
(`!GROUP` leaves a group out). Run with `--check`, it changes nothing and exits 1 when a block
is not what the table says (a test does that for README.md).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from loadspec.config.options import OPTIONS
from loadspec.config.table import Command, Kind, Option, taken_by

__all__ = ["main", "markdown", "rewrite"]

_BLOCK = re.compile(r"(<!-- options: ([^>]*?) -->\n)(.*?)(<!-- /options -->)", re.S)


def markdown(command: Command, groups: Iterable[str] = (), without: Iterable[str] = ()) -> str:
    """A table of `command`'s options (in `groups`, if given; not in `without`)."""
    wanted, unwanted = set(groups), set(without)
    rows = [
        "| option | environment | `[tool.loadspec]` | web UI | meaning |",
        "|---|---|---|---|---|",
    ]
    for option in taken_by(OPTIONS, command):
        if option.hidden or (wanted and option.group not in wanted) or option.group in unwanted:
            continue
        rows.append(_row(option, command))
    return "\n".join(rows) + "\n"


def _row(option: Option, command: Command) -> str:
    cells = (
        _flag(option),
        f"`{option.env}`" if option.env else "—",
        _key(option, command),
        "yes" if option.web_ui else "",
        option.help.replace("%%", "%").replace("|", "\\|"),
    )
    return "| " + " | ".join(cells) + " |"


def _flag(option: Option) -> str:
    if option.kind is Kind.ENV:
        return "—"
    value = "" if option.kind is Kind.FLAG else f" {option.metavar or 'VALUE'}"
    repeat = " (repeatable)" if option.kind is Kind.REPEAT else ""
    return f"`{option.name}{value}`{repeat}".replace("|", "\\|")


def _key(option: Option, command: Command) -> str:
    special = {"var": "`[tool.loadspec.vars]`", "ref_base": "`[tool.loadspec.ref-bases]`"}
    if option.dest in special:
        return special[option.dest]
    if not option.config:
        return "—"
    return f"`[tool.loadspec.stub]` `{option.key}`" if command.is_stub else f"`{option.key}`"


def rewrite(text: str) -> str:
    """`text` with every options block written anew from the table."""

    def block(match: re.Match[str]) -> str:
        command, *names = match[2].split()
        groups = [n.replace("-", " ") for n in names if not n.startswith("!")]
        without = [n[1:].replace("-", " ") for n in names if n.startswith("!")]
        return match[1] + markdown(Command(command), groups, without) + match[4]

    return _BLOCK.sub(block, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite each file's blocks (`--check`: exit 1 if any would change)."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    stale = []
    for name in (a for a in args if a != "--check"):
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            stale.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    if stale and check:
        print(f"out of date: {', '.join(stale)} (python -m loadspec.config.docs FILE)")
    return 1 if stale and check else 0


if __name__ == "__main__":
    sys.exit(main())

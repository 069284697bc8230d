"""Split a spec file into front matter and step blocks, each parsed with its lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from loadspec.errors import Problem, Severity
from loadspec.language.sourcemap import Location, SourceMap, format_location
from loadspec.language.yamlmarks import load_marked

__all__ = ["PREREQUISITES", "TEST_REQUEST", "RawSpec", "decode", "parse_text"]

PREREQUISITES, TEST_REQUEST = "prerequisites", "test_request"

_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.M)
_HANDLER = YAMLHandler()
# A heading or a fence line; nothing else of the Markdown matters to a spec.
# The leading newline is a literal prefix, which lets `re` skip ahead instead of trying a
# match at every character; the text is scanned with a newline put in front of it.
_MARKER = re.compile(
    r"\n {0,3}(?:(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^`\s]*)[^\n]*"
    r"|(?P<hashes>#{1,6})[ \t]*(?P<title>[^\n]*?)[ \t#]*)(?=\n|\Z)",
)
_NOT_LETTER = re.compile(r"[^a-z]")
_YAML_LANGS = frozenset({"yaml", "yml"})
_SECTION_TITLES = ((PREREQUISITES, "prerequisite"), (TEST_REQUEST, "testrequest"))
_SKIP_LINE = "User-approved skip:"
_SUMMARY = re.compile(r"^ {0,3}#{1,2}[ \t]*summary[ \t#]*$", re.M | re.I)
_NEXT_SECTION = re.compile(r"^ {0,3}#{1,2}[ \t]", re.M)


@dataclass(slots=True)
class RawSpec:
    """A spec file before the model: plain data, its lines, and problems so far.

    Attributes:
        path: the file, as the user named it.
        front: front matter as plain data (None when unreadable).
        blocks: section name -> the plain data of its yaml block.
        block_lines: section name -> line of its heading.
        title: the first `# ` heading.
        source: lines of every location; blocks live under `(section, ...)`.
        problems: what is already known to be wrong.
        broken: parts (`front` or a section name) whose YAML could not be read.
        json_blocks: sections holding a ```json block (documentation, never run).
        excused: names extracted by steps too broken to build; their uses are not reported.
        no_front_matter: the file does not open with front matter (a README, not a spec).
        summary_skip: the reason of a "User-approved skip:" line in the `## Summary`.
        needs: names used that only the run gives a value (the source system's configuration).
    """

    path: str
    front: Any = None
    blocks: dict[str, Any] = field(default_factory=dict)
    block_lines: dict[str, int] = field(default_factory=dict)
    title: str = ""
    source: SourceMap = field(default_factory=SourceMap)
    problems: list[Problem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    json_blocks: set[str] = field(default_factory=set)
    excused: set[str] = field(default_factory=set)
    no_front_matter: bool = False
    summary_skip: str | None = None
    needs: set[str] = field(default_factory=set)

    def problem(
        self, location: Location, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        """Record a problem at the line of `location`."""
        self.add(self.source.line(location), message, severity, location)

    def problems_at(self, section: str) -> bool:
        """Whether any problem was already found inside `section`."""
        prefix = format_location((section,))
        return any(p.location.startswith(prefix) for p in self.problems)

    def add(
        self,
        line: int,
        message: str,
        severity: Severity = Severity.ERROR,
        location: Location = (),
    ) -> None:
        """Record a problem at `line`."""
        self.problems.append(Problem(self.path, line, message, severity, format_location(location)))


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """The text of a spec file, or the problem that it is not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                path,
                line,
                f"not UTF-8 text: byte 0x{data[exc.start]:02x} "
                f"at offset {exc.start} cannot be decoded",
            )
        ]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(path, line, "NUL byte in file: a spec is text, not binary")]
    return text, []


def parse_text(text: str, path: str) -> RawSpec:
    """Front matter and step blocks of a spec's text, with every line kept."""
    raw = RawSpec(path)
    if not text.strip():
        raw.no_front_matter = True
        raw.add(1, "empty file: a spec starts with '---' front matter")
        return raw
    body_start = _front_matter(raw, text)
    if body_start is not None:
        _sections(raw, text, body_start)
        if _SKIP_LINE in text:
            raw.summary_skip = _summary_skip(text, body_start)
    return raw


def _summary_skip(text: str, offset: int) -> str | None:
    """The reason of the source system's "User-approved skip: ..." line in `## Summary`."""
    summary = _SUMMARY.search(text, offset)
    at = text.find(_SKIP_LINE, summary.end()) if summary else -1
    if summary is None or at == -1:
        return None
    following = _NEXT_SECTION.search(text, summary.end())
    if following is not None and following.start() < at:
        return None
    end = text.find("\n", at)
    return text[at + len(_SKIP_LINE) : end if end != -1 else len(text)].strip() or None


def _front_matter(raw: RawSpec, text: str) -> int | None:
    """Parse the front matter; returns the offset of the body."""
    opening = _BOUNDARY.search(text)
    if opening is None or text[: opening.start()].strip() or not _HANDLER.detect(text.lstrip()):
        first = len(text) - len(text.lstrip("\n"))
        raw.no_front_matter = True
        raw.add(text.count("\n", 0, first) + 1, "no front matter: a spec starts with a '---' line")
        return None
    line = text.count("\n", 0, opening.start()) + 1
    closing = _BOUNDARY.search(text, opening.end())
    if closing is None:
        raw.add(line, "front matter opened here is never closed by a '---' line")
        return None
    front = text[opening.end() + 1 : closing.start()]
    marked = load_marked(front, first_line=line + 1, source=raw.source)
    raw.front = marked.value
    raw.source.record((), line, replace=False)
    for problem in marked.problems:
        raw.add(problem.line, problem.message)
    if marked.value is None and marked.problems:
        raw.broken.add("front")
    return closing.end() + 1


@dataclass(slots=True)
class _Fence:
    marker: str
    lang: str
    line: int
    body_start: int


def _sections(raw: RawSpec, text: str, offset: int) -> None:
    """Find the Prerequisites and Test Request yaml blocks (headings inside fences don't count).

    Only heading and fence lines are visited (one regex scan), not every line of prose.
    """
    section: str | None = None
    fence: _Fence | None = None
    line, position = text.count("\n", 0, offset) + 1, offset
    body_line = line
    text = "\n" + text  # offsets below are one more than in the file's text
    for match in _MARKER.finditer(text, offset):
        line += text.count("\n", position + 1, match.start() + 1)
        position = match.start()
        marker = match.group("fence")
        if fence is not None:
            if (
                marker
                and marker[0] == fence.marker[0]
                and len(marker) >= len(fence.marker)
                and (not match.group("lang"))
            ):
                _close_fence(raw, section, fence, text[fence.body_start : match.start()])
                fence = None
        elif marker:
            fence = _Fence(marker, match.group("lang").lower(), line, match.end() + 1)
        else:
            section = _heading(raw, match, line, section)
    if fence is not None:
        raw.add(fence.line, "code block opened here is never closed")
    if TEST_REQUEST in raw.block_lines and TEST_REQUEST not in raw.blocks:
        also = " (its ```json block is documentation)" if TEST_REQUEST in raw.json_blocks else ""
        raw.add(
            raw.block_lines[TEST_REQUEST],
            f"'Test Request' section has no ```yaml block with its steps{also}",
        )
    if TEST_REQUEST not in raw.block_lines:
        raw.add(body_line, "no '## Test Request' section: a spec needs one with a ```yaml block")


def _heading(raw: RawSpec, match: re.Match[str], line: int, current: str | None) -> str | None:
    level, title = len(match.group("hashes")), match.group("title")
    if level == 1 and not raw.title:
        raw.title = title
    key = _NOT_LETTER.sub("", title.lower())
    for name, prefix in _SECTION_TITLES:
        if key.startswith(prefix):
            if name in raw.block_lines:
                first = raw.block_lines[name]
                raw.add(
                    line,
                    f"second '{_pretty(name)}' section (first at line {first}); "
                    "only the first is used",
                )
                return None
            raw.block_lines[name] = line
            return name
    return None if level <= 2 else current


def _close_fence(raw: RawSpec, section: str | None, fence: _Fence, body: str) -> None:
    if section is not None and fence.lang == "json":
        raw.json_blocks.add(section)
    if section is None or fence.lang not in _YAML_LANGS:
        return
    if section in raw.blocks:
        raw.add(
            fence.line,
            f"second ```yaml block in '{_pretty(section)}' is ignored",
            Severity.WARNING,
        )
        return
    marked = load_marked(body, first_line=fence.line + 1, prefix=(section,), source=raw.source)
    raw.blocks[section] = marked.value
    raw.source.record((section,), fence.line)
    for problem in marked.problems:
        raw.add(problem.line, problem.message, location=(section,))
    if marked.value is None and marked.problems:
        raw.broken.add(section)


def _pretty(section: str) -> str:
    return "Prerequisites" if section == PREREQUISITES else "Test Request"

"""A spec's line map: locations of names and of list indexes, far ones included."""

from __future__ import annotations

from loadspec.language.sourcemap import SourceMap, location_key
from loadspec.language.yamlmarks import load_marked


def test_lines_of_names_and_indexes_and_their_nearest_ancestor() -> None:
    items = "".join(f"  - item{i}\n" for i in range(300))
    marked = load_marked(f"top:\n  name: x\nitems:\n{items}", first_line=10)
    assert marked.source.line(("top", "name")) == 11
    assert marked.source.line(("items", 0)) == 13
    assert marked.source.line(("items", 299)) == 13 + 299  # past the precomputed index keys
    assert marked.source.line(("top", "name", "missing")) == 11  # its parent's line
    assert marked.source.line(("nowhere",)) == 10  # the document's


def test_an_index_is_not_the_name_that_spells_it() -> None:
    source = SourceMap()
    source.record(("steps", 0), 3)
    source.record(("steps", "0"), 7)
    assert location_key(("steps", 0)) != location_key(("steps", "0"))
    assert (source.line(("steps", 0)), source.line(("steps", "0"))) == (3, 7)
    source.record(("steps", 0), 9, replace=False)
    assert source.line(("steps", 0)) == 3

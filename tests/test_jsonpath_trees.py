"""Simple JSONPaths are compiled without jsonpath-ng's parser, into the very tree it makes."""

from __future__ import annotations

import pytest
from jsonpath_ng.ext.parser import ExtendedJsonPathParser

from loadspec.templating.extract import JsonPathSyntaxError, compile_jsonpath

PATHS = [
    "$",
    "$[0]",
    "$.data.channel.uid",
    "$.data.clients[0].id",
    "$.a[1][2]",
    "$.a[01]",
    "$.sub.split.len.this.parent.id",
    "$.truex.nulls.wherever",
    "$.data.true",
    "$.null",
    "$..uid",
    "$.data[*].id",
]


@pytest.mark.parametrize("text", PATHS)
def test_compiled_tree_is_the_parsers(text: str) -> None:
    """Whichever way a path is compiled, its tree equals (and prints as) jsonpath-ng's own."""
    compile_jsonpath.cache_clear()
    parsed = ExtendedJsonPathParser().parse(text)
    compiled = compile_jsonpath(text).compiled
    assert compiled == parsed
    assert repr(compiled) == repr(parsed)


def test_a_path_the_parser_refuses_is_still_a_syntax_error() -> None:
    """`$.where` looks simple, but `where` is an operator to jsonpath-ng: it does not compile."""
    compile_jsonpath.cache_clear()
    with pytest.raises(JsonPathSyntaxError, match=r"JSONPath '\$\.where' does not compile"):
        compile_jsonpath("$.where")


@pytest.mark.parametrize("text", ["$.data.true", "$.null", "$.truex"])
def test_names_the_lexer_reserves_still_find_what_the_parser_finds(text: str) -> None:
    """A path naming `true` or `null` goes through the parser, and finds what it finds."""
    document = {"truex": 1, "data": {"true": 2}, "null": 3}
    compile_jsonpath.cache_clear()
    found = compile_jsonpath(text).first(document)
    matches = ExtendedJsonPathParser().parse(text).find(document)
    assert found == ((True, matches[0].value) if matches else (False, None))

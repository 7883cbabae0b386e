"""How deeply a request body or a GraphQL document nests, measured on the text before anything parses it.

Why before: Python's `json` module and graphql-core's parser, validation and printing are recursive, so a body or
document nested a few thousand levels deep (`[[[[...]]]]`, 10 KB) either raises `RecursionError` or leans on the
interpreter's recursion limit, wherever the stack happens to stand. Measuring the nesting on the text first, with
a loop and regular expressions that do not recurse, refuses such requests with a clear message, so that nothing
deep reaches the parsers at all. Strings (and, in GraphQL, comments) are blanked out first: a `[` inside a search
term is not nesting.

The measurement is linear in the text, and the text is already bounded by `max_body_bytes`.
"""

from __future__ import annotations

import re

# Every pattern below matches from where it starts to where its token ends, or to the end of the text when the token
# is never closed (`"?`, `\Z`): a match that could fail would be retried from every later quote, and a body of
# unclosed strings would then take quadratic time. Possessive quantifiers, so nothing backtracks either.
# A JSON string, its escapes (`\"` included) skipped.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
# GraphQL's block strings (`"""..."""`, where `\"""` is an escaped delimiter), strings and comments, matched from
# left to right so that a `#` in a string or a `"` in a comment is read as what it is.
_GRAPHQL_STRING_OR_COMMENT = re.compile(r'"""(?:\\"""|[\s\S])*?(?:"""|\Z)|"(?:[^"\\\n\r]++|\\.)*+"?|#[^\n\r]*+')
_NOT_A_JSON_BRACKET = re.compile(r"[^\[\]{}]++")
_NOT_A_GRAPHQL_BRACKET = re.compile(r"[^\[\](){}]++")
_OPENERS = frozenset("[{(")


def json_nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the JSON `text` opens more than `limit` arrays and objects inside one another (the outermost
    counts as 1: `{"a": [1]}` nests 2 deep)."""
    return _deeper_than(_NOT_A_JSON_BRACKET.sub("", _JSON_STRING.sub("", text)), limit)


def json_brackets_balanced(text: str) -> bool:
    """Whether every array and object the JSON `text` opens is closed: when it is not, the text is not JSON at all,
    however deep it goes, and saying so is the more useful answer."""
    brackets = _NOT_A_JSON_BRACKET.sub("", _JSON_STRING.sub("", text))
    opened = brackets.count("[") + brackets.count("{")
    return opened * 2 == len(brackets)


def document_nests_deeper_than(document: str, limit: int) -> bool:
    """Whether the GraphQL `document` nests selection sets, argument lists, list and input-object literals and
    list types more than `limit` levels inside one another, all kinds counted together."""
    return _deeper_than(_NOT_A_GRAPHQL_BRACKET.sub("", _GRAPHQL_STRING_OR_COMMENT.sub("", document)), limit)


def _deeper_than(brackets: str, limit: int) -> bool:
    """Whether the running depth of `brackets` (openers +1, closers -1) ever exceeds `limit`; stops at once if so."""
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in _OPENERS else -1
        if depth > limit:
            return True
    return False

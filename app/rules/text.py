"""Which text Beacon accepts at all: the one rule every door and service applies to strings.

Refused, in any field: NUL (PostgreSQL cannot store it in text and refuses the whole statement),
the other C0 control characters, DEL and the C1 controls (ANSI escapes that repaint a terminal
reading the audit log or the CLI's output, characters no keyboard types and no page shows), and
lone surrogates (half of a UTF-16 pair: no UTF-8 encoding exists, so SQLite's and PostgreSQL's
drivers raise on them, and so would every JSON answer holding one). Tab, newline and carriage
return are text in a multi-line field (a message, a note, instructions) and refused in a
single-line one (a name, an email, a search), where they can only have been pasted or forged.

Pure: no I/O. Doors that cannot know which fields are multi-line (the websocket, an API body,
the CLI's arguments) apply the multi-line form to every string; each service then applies the
field's own form to what it writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Tab, newline, carriage return: what a multi-line field may hold besides printable text.
MULTILINE_WHITESPACE = "\t\n\r"
# C0 controls (U+0000-U+001F), DEL and the C1 controls (U+007F-U+009F), and the surrogate block
# (U+D800-U+DFFF: a str decoded from valid UTF-8 or JSON never holds a paired one, so any is lone).
_REFUSED_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same without tab (U+0009), newline (U+000A) and carriage return (U+000D).
_REFUSED_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# What a field holding such a character shows: it names the kinds, never the character itself.
HOSTILE_KINDS = "a control character (NUL, an escape...) or a broken one"
HOSTILE_TEXT = f"This holds a character Beacon cannot accept: {HOSTILE_KINDS}."
LINE_BREAK_TEXT = "Keep this to one line: no tabs or line breaks."


def text_problem(value: str, multiline: bool = False) -> str | None:
    """What is wrong with `value` as a field's text, or None when Beacon accepts it.

    `multiline`: the field may hold tabs and line breaks. Anything not a str is not judged here
    (each caller decides what a missing or non-text value means)."""
    if not isinstance(value, str) or _REFUSED_SINGLE_LINE.search(value) is None:
        return None  # the usual case: one scan, nothing found
    if _REFUSED_MULTILINE.search(value) is not None:
        return HOSTILE_TEXT
    return None if multiline else LINE_BREAK_TEXT


def text_problems(single_line: Mapping[str, Any] | None = None,
                  multiline: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The problem of each field (by name) whose text Beacon refuses: a service adds these to the
    other problems it names, so the form shows each beside its field."""
    problems: dict[str, str] = {}
    for fields, allows_lines in ((single_line or {}, False), (multiline or {}, True)):
        for name, value in fields.items():
            problem = text_problem(value, multiline=allows_lines)
            if problem is not None:
                problems[name] = problem
    return problems


def hostile_field(payload: Any) -> str | None:
    """Where the first string anywhere in `payload` (dicts, lists and tuples, keys included) sits
    that even a multi-line field refuses: the key of the innermost dict holding it ("" when no
    dict names it, or when the key itself is the refused string: it is never repeated back);
    None when every string is accepted.

    For doors that see whole payloads and cannot know which fields are multi-line: tabs and line
    breaks pass here, for the service to judge per field."""
    pending: list[tuple[str, Any]] = [("", payload)]
    while pending:  # a loop, not recursion: a forged payload may nest deeper than the stack
        name, value = pending.pop()
        if isinstance(value, str):
            if text_problem(value, multiline=True) is not None:
                return name
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and text_problem(key, multiline=True) is not None:
                    return name
                pending.append((key if isinstance(key, str) else name, item))
        elif isinstance(value, (list, tuple)):
            pending.extend((name, item) for item in value)
    return None


def has_hostile_text(payload: Any) -> bool:
    """Whether any string in `payload` holds what even a multi-line field refuses."""
    return hostile_field(payload) is not None


def strip_hostile(value: str) -> str:
    """`value` without the characters even a multi-line field refuses: for text Beacon keeps but
    never writes (the route a page reports), where refusing would cost the tab its page."""
    return _REFUSED_MULTILINE.sub("", value)

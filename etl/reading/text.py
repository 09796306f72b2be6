"""Text that may not be stored or shown: control, NUL and bidirectional characters, and HTML or
script. `unsafe_text` says why a text is refused; `visible` writes its invisible characters out
so a message can show them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from etl.core.problems import short_value

_BAD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_MARKUP = re.compile(r"</?[a-z!?][^<>]*>|<\s*script", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"(?:java|vb|live)script:|data:text/html", re.IGNORECASE)


def unsafe_text(value: Any) -> tuple[str, str] | None:
    """Why a text may not be stored (Vietnamese, English), or None when it is plain text.

    Control characters (other than tab and line breaks), NUL, bidirectional overrides and
    isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) and HTML or script: a unit name
    never holds them, and a shown name must never reorder or mark up what is around it.
    """
    if not isinstance(value, str):
        return None
    if len(value) <= _CACHED_TEXT_CHARS:
        return _unsafe_short(value)
    return _unsafe_str(value)


_CACHED_TEXT_CHARS = 200  # names and labels: remembered, so the cache stays small


@functools.lru_cache(maxsize=65536)
def _unsafe_short(value: str) -> tuple[str, str] | None:
    """`unsafe_text` of a short text, remembered: names and labels recur in every file."""
    return _unsafe_str(value)


def _unsafe_str(value: str) -> tuple[str, str] | None:
    if m := _BAD_CHARS.search(value):
        ch = m.group(0)
        code = f"U+{ord(ch):04X}"
        if ch == "\x00":
            return f"ký tự NUL ({code})", f"a NUL character ({code})"
        if ch in "\u061c\u200e\u200f" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
            return (
                f"ký tự điều khiển hướng chữ ({code})",
                f"a bidirectional control character ({code})",
            )
        return f"ký tự điều khiển ({code})", f"a control character ({code})"
    if _MARKUP.search(value) or _SCRIPT_SCHEME.search(re.sub(r"\s+", "", value)):
        return "mã HTML hoặc script", "HTML or script"
    return None


def visible(value: Any, limit: int = 60) -> str:
    """A text with its invisible and control characters written as U+XXXX, cut to `limit`."""
    text = _BAD_CHARS.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", str(value))
    return short_value(text, limit)

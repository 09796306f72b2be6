"""How a programme (giai đoạn) is named: `2022 - 2026`, from the start and end years
(docs/domain.md, "Programme targets"). Biểu 00's `Giai đoạn` is read with `parse_programme`;
a phrase `giai đoạn 2022 - 2026` in a plan row's other texts with `find_programme`."""

from __future__ import annotations

import re

from etl.core.normalize import clean_text

_DASHES = "-‐‑‒–—―"
_RANGE = rf"(\d{{4}})\s*[{_DASHES}]\s*(\d{{4}})"
_WHOLE = re.compile(rf"^(?:giai\s+đoạn\s*:?\s*)?{_RANGE}$", re.IGNORECASE)
_PHRASE = re.compile(rf"giai\s+đoạn\s*:?\s*{_RANGE}", re.IGNORECASE)
EARLIEST, LATEST = 1990, 2200  # the years a programme may name: a typing slip outside


def programme_name(start_year: int, end_year: int | None) -> str:
    """`2022 - 2026`; a programme whose end is not known yet: `Từ năm 2022`."""
    if end_year is None:
        return f"Từ năm {start_year}"
    return f"{start_year} - {end_year}"


def _years(match: re.Match[str] | None) -> tuple[int, int] | None:
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    if not (EARLIEST <= start <= end <= LATEST):
        return None
    return start, end


def parse_programme(text: object) -> tuple[int, int] | None:
    """(start, end) of `2022 - 2026`, `2022-2026`, `2022 – 2026` or `Giai đoạn 2022 - 2026`;
    None when the text is not such a range (or its years are not in order)."""
    if not isinstance(text, str):
        return None
    return _years(_WHOLE.match(clean_text(text).strip().rstrip(".")))


def find_programme(text: object) -> tuple[int, int] | None:
    """(start, end) of the first `giai đoạn 2022 - 2026` inside a longer text, else None."""
    if not isinstance(text, str):
        return None
    return _years(_PHRASE.search(clean_text(text)))


def normal_name(text: object) -> str | None:
    """The stored form `2022 - 2026` of a programme as written, or None when not one."""
    years = parse_programme(text)
    return programme_name(*years) if years else None

"""Cell values as staff type them: counts, percentages and dates, Vietnamese style.

Each parser returns `(value, problem_code)`; `problem_code` is None when the cell is fine.
An empty cell is None ("not reported"), never zero.

A head count is at most `MAX_COUNT` (1.000.000) per cell: more people than any province
employs in all its public bodies (the largest, Hồ Chí Minh City, a few hundred thousand), so a
larger figure is a slip (digits typed twice, a pasted amount of money, a date serial) and is
refused as `count-too-large` naming its cell. The bound also keeps every figure, and the sum of
a whole return, far inside the database's integer column (2.147.483.647), so a figure such as
3e9, 1e20 or 1e308 is a cell error, never a database error.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from etl.core.normalize import clean_text

_DASHES = {"-", "–", "—", "_"}
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_THOUSANDS_SPACE = re.compile(r"^\d{1,3}([\s\u00a0\u202f]\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3}){2,}$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
_PLAIN_INT = re.compile(r"^\d+$")
_PLAIN_DEC = re.compile(r"^\d+\.\d+$")
_DATE_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_DATE_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_COUNT = 1_000_000  # the largest head count one cell may hold (see above)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def _number_from_text(text: str) -> float | None:
    """`1.694` → 1694, `20 734` → 20734, `1,5` → 1.5, `12.5` → 12.5; None if not a number."""
    if _PLAIN_INT.match(text):
        return float(int(text))
    if _THOUSANDS_DOT.match(text) or _THOUSANDS_SPACE.match(text) or _THOUSANDS_COMMA.match(text):
        return float(re.sub(r"[.\s\u00a0\u202f,]", "", text))
    if _DECIMAL_COMMA.match(text):
        return float(text.replace(",", "."))
    if _PLAIN_DEC.match(text):
        return float(text)
    return None


def parse_count(value: Any) -> tuple[int | None, str | None]:
    """A head count: whole, from 0 to `MAX_COUNT`, `-` for zero, empty for not reported."""
    if is_empty(value):
        return None, None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        return None, "not-a-number"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = clean_text(value)
        if text in _DASHES:
            return 0, None
        negative = text.startswith(("-", "−"))
        number = _number_from_text(text.lstrip("-−").strip())
        if number is None:
            return None, "not-a-number"
        if negative:
            number = -number
    if number != number or number in (float("inf"), float("-inf")):
        return None, "not-a-number"
    if number < 0:
        return None, "negative-count"
    if number > MAX_COUNT:
        return None, "count-too-large"
    if not number.is_integer():
        return None, "not-integer"
    return int(number), None


def parse_percent(value: Any) -> tuple[float | None, str | None]:
    """A percentage in percent units: `8,17%` → 8.17, `0.0817` → 8.17, `5` → 5."""
    if is_empty(value):
        return None, None
    if isinstance(value, bool):
        return None, "not-a-percent"
    if isinstance(value, (int, float)):
        number = float(value)
        return (number * 100 if 0 < abs(number) < 1 else number), None
    text = clean_text(value).replace(" ", "")
    has_sign = text.endswith("%")
    number = _number_from_text(text.rstrip("%"))
    if number is None:
        return None, "not-a-percent"
    if not has_sign and 0 < number < 1:
        number *= 100
    return number, None


def parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    """A date: Excel date, `dd/mm/yyyy`, `d/m/yyyy`, ISO or `ngày 08 tháng 12 năm 2023`."""
    if is_empty(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number
            return _EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        return None, "bad-date"
    text = clean_text(value)
    parts: tuple[int, int, int] | None = None
    if m := _DATE_SLASH.match(text):
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    elif m := _DATE_ISO.match(text):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _DATE_WORDS.search(text):
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if parts is None:
        return None, "bad-date"
    try:
        return dt.date(*parts), None
    except ValueError:
        return None, "bad-date"


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based row and column → `D7`."""
    return f"{column_letter(col)}{row + 1}"

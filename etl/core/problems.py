"""Problem records: a bad cell is data, not an exception (as frictionless and pandera do)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding about one place of one file; `code` is a stable slug."""

    code: str
    severity: str
    message_vi: str
    message_en: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def where(self) -> str:
        """`Sheet!Cell`, `Sheet` or the file name, whichever is most precise."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.file

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict (what `dataclasses.asdict` gives, without its deep copy)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": self.value,
        }


def short_value(value: Any, limit: int = 80) -> str:
    """A cell value as shown in a message: text, cut to `limit` characters."""
    if value is None:
        return ""
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ProblemLog:
    """Collects problems for one file, filling in file and sheet."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(
        self,
        code: str,
        severity: str,
        message_vi: str,
        message_en: str,
        *,
        sheet: str = "",
        cell: str = "",
        value: Any = None,
    ) -> None:
        self.items.append(
            Problem(
                code=code,
                severity=severity,
                message_vi=message_vi,
                message_en=message_en,
                file=self.file,
                sheet=sheet,
                cell=cell,
                value=short_value(value),
            )
        )

    def error(self, code: str, vi: str, en: str, **where: Any) -> None:
        self.add(code, ERROR, vi, en, **where)

    def warning(self, code: str, vi: str, en: str, **where: Any) -> None:
        self.add(code, WARNING, vi, en, **where)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)

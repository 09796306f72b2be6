"""Problem records: a bad cell is data, not an exception (as frictionless and pandera do).

Every problem is made from its entry in the catalogue of codes (etl/core/problem_codes.py):
`ProblemLog.report(code, sheet=…, cell=…, value=…, **fields)`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from etl.core.formatting import fmt_cell
from etl.core.problem_codes import ERROR, ProblemFieldError, problem_type


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
    """A cell value as shown in a message: text (a number or a date written the Vietnamese way),
    cut to `limit` characters."""
    if value is None:
        return ""
    text = fmt_cell(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ProblemLog:
    """Collects problems for one file, filling in file and sheet."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def report(self, code: str, /, **fields: Any) -> None:
        """Log problem `code` with its catalogue severity and messages.

        `sheet`, `cell` and `value` place it (all optional); the other keywords fill the
        templates' named fields. An unknown code, a missing field or an unknown keyword raises
        `ProblemFieldError`.
        """
        kind = problem_type(code)
        message_vi, message_en = kind.messages(fields)
        self.items.append(
            Problem(
                code=code,
                severity=kind.severity,
                message_vi=message_vi,
                message_en=message_en,
                file=self.file,
                sheet=fields.get("sheet", ""),
                cell=fields.get("cell", ""),
                value=short_value(fields.get("value")),
            )
        )

    def replay(self, problem: Problem) -> None:
        """Add a problem made by another log (the reading child's, etl/reading/sandbox.py) as
        one of this file's; its code must be in the catalogue, with its severity."""
        if problem_type(problem.code).severity != problem.severity:
            raise ProblemFieldError(f"{problem.code} is not a {problem.severity}")
        self.items.append(dataclasses.replace(problem, file=self.file))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)

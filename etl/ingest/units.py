"""Matching unit names as staff write them to the units already known (DOMAIN.md, Name matching).

A code wins over a name; names are compared by `name_key` within a district; a name equal to a
known one only when diacritics are ignored is an error naming the candidate; a new name is a new
unit with a warning.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from etl.core.normalize import district_key, loose_key, name_key


@dataclass
class UnitRecord:
    id: int | None  # None until inserted
    name: str
    name_key: str
    loose_key: str
    district_key: str
    code: str | None = None
    kind: str = ""
    district: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False
    changed: bool = False


@dataclass
class Match:
    unit: UnitRecord | None
    code: str | None = None  # problem code
    candidates: list[UnitRecord] = field(default_factory=list)


class UnitRegistry:
    """Known units indexed for matching; new units of the file being read are added to it."""

    def __init__(self, records: list[UnitRecord]) -> None:
        self.records: list[UnitRecord] = []
        self._by_code: dict[str, UnitRecord] = {}
        self._by_key: dict[tuple[str, str], UnitRecord] = {}
        self._by_name: dict[str, list[UnitRecord]] = defaultdict(list)
        self._by_loose: dict[str, list[UnitRecord]] = defaultdict(list)
        for record in records:
            self._index(record)

    def _index(self, record: UnitRecord) -> None:
        self.records.append(record)
        if record.code:
            self._by_code[record.code.casefold()] = record
        self._by_key[(record.name_key, record.district_key)] = record
        self._by_name[record.name_key].append(record)
        self._by_loose[record.loose_key].append(record)

    def set_code(self, record: UnitRecord, code: str) -> None:
        record.code = code
        self._by_code[code.casefold()] = record

    def find(self, name: str, *, code: str | None = None, district: str | None = None) -> Match:
        """The unit a row names, or why it cannot be told (`name-near-match`, `name-ambiguous`)."""
        if code and code.casefold() in self._by_code:
            return Match(self._by_code[code.casefold()])
        nkey, dkey = name_key(name), district_key(district) if district else ""
        if (nkey, dkey) in self._by_key:
            return Match(self._by_key[(nkey, dkey)])
        same_name = self._by_name.get(nkey, [])
        if dkey:
            no_district = [r for r in same_name if not r.district_key]
            if len(no_district) == 1:
                return Match(no_district[0])
        elif len(same_name) == 1:
            return Match(same_name[0])
        elif len(same_name) > 1:
            return Match(None, "name-ambiguous", same_name)
        near = [
            r
            for r in self._by_loose.get(loose_key(name), [])
            if r.name_key != nkey and (not dkey or not r.district_key or r.district_key == dkey)
        ]
        if near:
            return Match(None, "name-near-match", near)
        return Match(None)

    def add(self, name: str, *, code: str | None, district: str | None, kind: str) -> UnitRecord:
        record = UnitRecord(
            id=None,
            name=name,
            name_key=name_key(name),
            loose_key=loose_key(name),
            district_key=district_key(district) if district else "",
            code=code,
            kind=kind,
            district=district,
            is_new=True,
        )
        self._index(record)
        return record

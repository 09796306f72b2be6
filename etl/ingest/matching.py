"""Unit matching: the names staff write, matched to the units already known (docs/domain.md,
Name matching).

A code wins over a name; names are compared by `name_key` within a district; a name equal to a
known one only when diacritics are ignored is an error naming the candidate; a new name is a new
unit with a warning. `UnitRegistry` matches in memory; `FileRegistry` reads from the database only
the units one file's names and codes can match; `Resolver` turns a file's names into unit records
and logs the matching problems.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, text

from etl.core.normalize import commune_key, district_key, loose_key, name_key
from etl.core.problems import ProblemLog
from etl.core.provinces import display_name, own_key, province_label, split_province_suffix
from etl.reading.records import Cell
from etl.storage import schema


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
    commune: str | None = None
    commune_key: str = ""
    province: str | None = None  # display; "" key: the deployment's own (or none written)
    province_key: str = ""
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
        self._by_key: dict[tuple[str, str, str, str], UnitRecord] = {}
        # keys of the provinces merged into the deployment's own (`stage` sets them): a row
        # naming no province, in a return naming none, may be one of their units
        self.merged_provinces: frozenset[str] = frozenset()
        self._by_name: dict[str, list[UnitRecord]] = defaultdict(list)
        self._by_loose: dict[str, list[UnitRecord]] = defaultdict(list)
        for record in records:
            self._index(record)

    def _index(self, record: UnitRecord) -> None:
        self.records.append(record)
        if record.code:
            self._by_code[record.code.casefold()] = record
        key = (record.name_key, record.district_key, record.commune_key, record.province_key)
        self._by_key[key] = record
        self._by_name[record.name_key].append(record)
        self._by_loose[record.loose_key].append(record)

    def province_mergers(self) -> list[tuple[list[str], str]]:
        """(keys before, key after) of the stored mergers of provinces: none in memory."""
        return []

    def set_code(self, record: UnitRecord, code: str) -> None:
        record.code = code
        self._by_code[code.casefold()] = record

    def find(
        self,
        name: str,
        *,
        code: str | None = None,
        district: str | None = None,
        commune: str | None = None,
        province_key: str = "",
        province_given: bool = False,
    ) -> Match:
        """The unit a row names, or why it cannot be told (`name-near-match`, `name-ambiguous`,
        `name-ambiguous-province`). Names are compared within the province `province_key`;
        a row that gives none (`province_given` False, key "") may also be the one unit of
        its name among the provinces merged into the deployment's. A row with a commune
        matches a unit of that commune, else the one unit of that name with neither commune
        nor district; a row naming a district and no commune never matches a unit of a
        commune (docs/domain.md, "Name matching")."""
        if code and code.casefold() in self._by_code:
            return Match(self._by_code[code.casefold()])
        nkey, dkey = name_key(name), district_key(district) if district else ""
        ckey = commune_key(commune) if commune else ""
        if (nkey, dkey, ckey, province_key) in self._by_key:
            return Match(self._by_key[(nkey, dkey, ckey, province_key)])
        every = self._by_name.get(nkey, [])
        same_name = [r for r in every if r.province_key == province_key]
        if not same_name and not province_key and not province_given and self.merged_provinces:
            merged = [
                r
                for r in every
                if r.province_key in self.merged_provinces
                and (not dkey or not r.district_key or r.district_key == dkey)
                and (not ckey or not r.commune_key or r.commune_key == ckey)
            ]
            if len(merged) == 1:
                return Match(merged[0])
            if merged:
                return Match(None, "name-ambiguous-province", merged)
        if ckey:
            in_commune = [r for r in same_name if r.commune_key == ckey]
            if len(in_commune) == 1:
                return Match(in_commune[0])
            if not in_commune:  # else several, of different districts: told by district
                bare = [r for r in same_name if not r.commune_key and not r.district_key]
                if len(bare) == 1:
                    return Match(bare[0])
            same_name = in_commune
        elif dkey:
            same_name = [r for r in same_name if not r.commune_key]
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
            if r.name_key != nkey
            and r.province_key == province_key
            and (not dkey or not r.district_key or r.district_key == dkey)
            and (not ckey or not r.commune_key or r.commune_key == ckey)
        ]
        if near:
            return Match(None, "name-near-match", near)
        return Match(None)

    def add(
        self,
        name: str,
        *,
        code: str | None,
        district: str | None,
        kind: str,
        commune: str | None = None,
        province: str | None = None,
        province_key: str = "",
    ) -> UnitRecord:
        record = UnitRecord(
            id=None,
            name=name,
            name_key=name_key(name),
            loose_key=loose_key(name),
            district_key=district_key(district) if district else "",
            code=code,
            kind=kind,
            district=district,
            commune=commune,
            commune_key=commune_key(commune) if commune else "",
            province=province if province_key else None,
            province_key=province_key,
            is_new=True,
        )
        self._index(record)
        return record


REGISTRY_COLUMNS = (
    "id", "name", "name_key", "loose_key", "district_key", "code", "kind", "district",
    "parent", "sector", "autonomy", "commune", "commune_key", "province", "province_key",
)  # fmt: skip
UPDATED_ATTRS = ("parent", "sector", "autonomy")  # what a later return may set on a unit
IN_CHUNK = 400  # bound parameters per IN (...) list
PARAM_MARK = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # DBAPI paramstyle → its mark


def load_registry(conn: Connection) -> UnitRegistry:
    """The known units for matching. Only the units a file can match are read: `stage`
    (etl/ingest/staging.py) primes the registry with the file's names and codes (same name
    key, same key without diacritics, same code but for case), so a national database of
    50.000 units costs a few indexed lookups per file instead of a full read; used without
    priming, it reads every unit."""
    return FileRegistry(conn)


class FileRegistry(UnitRegistry):
    """A `UnitRegistry` holding only the known units the names and codes of one file can
    match, which give exactly the answers of the full registry: `find` compares a code with
    the codes equal to it but for case (looked up by `unit.code_key`); a name without a
    district with every unit of the same `name_key` or `loose_key`; a name with a district
    only with those of that district or of none."""

    def __init__(self, conn: Connection) -> None:
        super().__init__([])
        self._conn = conn
        self._primed = False
        self._mergers: list[tuple[list[str], str]] | None = None

    def prime(self, names: list[tuple[str, str | None]], codes: list[str]) -> None:
        """Read the units that `names` ((name, district or None) pairs) and `codes` can
        match; before any `add`."""
        if self._primed:
            return
        # (column, key) → the districts it is looked up in ("": anywhere, i.e. every unit)
        keys: dict[tuple[str, str], set[str]] = {}
        for name, district in names:
            dkey = district_key(district) if district else ""
            keys.setdefault(("name_key", name_key(name)), set()).add(dkey)
            keys.setdefault(("loose_key", loose_key(name)), set()).add(dkey)
        # district (None: anywhere) → column → the keys looked up there; codes by their
        # stored case-folded form (`unit.code_key`), only those the file names
        groups: dict[str | None, dict[str, list[str]]] = {}
        for (column, key), dkeys in sorted(keys.items()):
            for where in [None] if "" in dkeys else sorted(dkeys):
                groups.setdefault(where, {}).setdefault(column, []).append(key)
        if codes:
            groups.setdefault(None, {})["code_key"] = sorted({code.casefold() for code in codes})
        # (SQL condition, its parameters): plain SQL, since building a Core IN list of
        # hundreds of names cost more than the indexed lookup itself; the lists of one
        # district OR-ed in one statement (each column has its index), so a unit found by
        # its name and by its key without diacritics is read once
        conditions: list[tuple[str, list[str]]] = []
        for where, columns in groups.items():
            chunks = [
                (column, wanted[i : i + IN_CHUNK])
                for column, wanted in columns.items()
                for i in range(0, len(wanted), IN_CHUNK)
            ]
            while chunks:
                taken = [chunks.pop(0)]
                while chunks and sum(len(c) for _, c in taken) + len(chunks[0][1]) <= 3 * IN_CHUNK:
                    taken.append(chunks.pop(0))
                condition = " OR ".join(
                    f"{column} IN ({', '.join(['{}'] * len(chunk))})" for column, chunk in taken
                )
                params = [key for _, chunk in taken for key in chunk]
                if where is not None:  # that district's units and those of none
                    condition = f"({condition}) AND district_key IN ({{}}, {{}})"
                    params += ["", where]
                conditions.append((condition, params))
        rows: dict[int, Any] = {}
        for condition, params in conditions:
            for r in select_units(self._conn, condition, params):
                rows[r.id] = r
        self._reset([rows[i] for i in sorted(rows)])

    def _load_all(self) -> None:
        u = schema.unit.c
        self._reset(self._conn.execute(select(*[u[c] for c in REGISTRY_COLUMNS])).all())

    def _reset(self, rows: Any) -> None:
        merged = self.merged_provinces
        super().__init__(
            [
                UnitRecord(
                    id=r.id,
                    name=r.name,
                    name_key=r.name_key,
                    loose_key=r.loose_key,
                    district_key=r.district_key,
                    code=r.code,
                    kind=r.kind,
                    district=r.district,
                    commune=r.commune,
                    commune_key=r.commune_key or "",
                    province=r.province,
                    province_key=r.province_key or "",
                    attrs={k: getattr(r, k) for k in UPDATED_ATTRS},  # as stored
                )
                for r in rows
            ]
        )
        self.merged_provinces = merged
        self._primed = True

    def find(self, name: str, **kwargs: Any) -> Any:
        if not self._primed:
            self._load_all()
        return super().find(name, **kwargs)

    def add(self, name: str, **kwargs: Any) -> UnitRecord:
        if not self._primed:
            self._load_all()
        return super().add(name, **kwargs)

    def province_mergers(self) -> list[tuple[list[str], str]]:
        if self._mergers is None:
            self._mergers = stored_province_mergers(self._conn)
        return self._mergers


_PROVINCE_MERGERS = select(schema.event.c.provinces).where(schema.event.c.provinces.is_not(None))


def stored_province_mergers(conn: Connection) -> list[tuple[list[str], str]]:
    """(keys of the provinces before, key after) of every stored merger of provinces
    (`event.provinces`), whatever its review status: matching needs them as identity."""
    out = []
    for (provinces,) in conn.execute(_PROVINCE_MERGERS):
        if isinstance(provinces, dict) and provinces.get("after"):
            out.append(([key for _name, key in provinces["before"]], provinces["after"][1]))
    return out


def select_units(conn: Connection, condition: str, params: list[str]) -> Any:
    """Rows of `REGISTRY_COLUMNS` of the units meeting `condition` (SQL whose `{}` are
    the places of `params`, in order)."""
    sql = f"SELECT {', '.join(REGISTRY_COLUMNS)} FROM unit WHERE {condition}"
    mark = PARAM_MARK.get(conn.dialect.paramstyle)
    if mark is not None:
        return conn.exec_driver_sql(sql.format(*[mark] * len(params)), tuple(params))
    names = [f":p{i}" for i in range(len(params))]
    return conn.execute(text(sql.format(*names)), {f"p{i}": v for i, v in enumerate(params)})


class Resolver:
    """Turns the names of one file into unit records, logging matching problems."""

    def __init__(
        self, registry: UnitRegistry, log: ProblemLog, own: frozenset[str] = frozenset()
    ) -> None:
        self.registry = registry
        self.log = log
        self.own = own  # keys of the deployment's own province (stored as "")

    def resolve(
        self,
        sheet: str,
        cell: Cell,
        *,
        code: str | None = None,
        district: str | None = None,
        kind: str = "",
        create: bool = True,
        commune: str | None = None,
        province: str | None = None,
        province_given: bool = False,
    ) -> UnitRecord | None:
        """The unit a cell names, within `province` (the row's, else the return's letterhead;
        `province_given`: the row itself names it) or the one its name's `… tỉnh X (cũ)`
        names; None (a problem logged) when it cannot be told."""
        name = cell.value
        where = {"sheet": sheet, "cell": cell.ref, "value": name}
        base, suffix = split_province_suffix(name)
        if suffix is not None:
            name, province, province_given = base, suffix, True
        pkey = own_key(province, self.own)
        match = self.registry.find(
            name,
            code=code,
            district=district,
            commune=commune,
            province_key=pkey,
            province_given=province_given,
        )
        if match.unit is None and match.code is None and pkey:
            # `Bệnh viện Đa khoa tỉnh Sóc Trăng (cũ)` (as pages show it) is the unit stored
            # as `Bệnh viện Đa khoa tỉnh Sóc Trăng` of Tỉnh Sóc Trăng, its name holding its
            # province (docs/domain.md, "Provinces and mergers")
            whole = self.registry.find(
                display_name(name, province, False),
                code=code,
                district=district,
                commune=commune,
                province_key=pkey,
                province_given=province_given,
            )
            if whole.unit is not None:
                match = whole
        if match.unit is not None:
            unit = match.unit
            if code and not unit.code:
                self.registry.set_code(unit, code)
                unit.changed = True
            return unit
        if match.code == "name-near-match":
            names = "; ".join(f"«{c.name}»" for c in match.candidates)
            self.log.report("name-near-match", name=name, known=names, **where)
            return None
        if match.code == "name-ambiguous":
            places = "; ".join(
                sorted({c.commune or c.district or "cấp thành phố" for c in match.candidates})
            )
            self.log.report("name-ambiguous", name=name, places=places, **where)
            return None
        if match.code == "name-ambiguous-province":
            places = "; ".join(sorted({c.province or c.province_key for c in match.candidates}))
            self.log.report("name-ambiguous-province", name=name, places=places, **where)
            return None
        if not create:
            self.log.report("unknown-unit", name=name, **where)
            return None
        self.log.report("new-unit", name=name, **where)
        label = province_label(province) if pkey else None
        return self.registry.add(
            name,
            code=code,
            district=district,
            kind=kind,
            commune=commune,
            province=label,
            province_key=pkey,
        )

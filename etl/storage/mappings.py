"""Header mappings kept per reporting unit: how a unit's header cells that the forms do not
know are read (the upload's mapping step, etl/reading/mapping.py). One row per owner, form and
normalised header text; the reading and its targets are the reader's business, this module
only keeps them.

Every function takes a connection: the caller's transaction holds a change and its audit entry
together (an upload's mapping is kept in the transaction that stores the return).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from etl.core.normalize import clean_text, name_key
from etl.storage import accounts, schema

MAX_TEXT = 500


@dataclass(frozen=True)
class StoredMapping:
    """One kept choice: for `owner`'s returns of form `form`, the header `header_text` is
    read as `target`."""

    id: int
    owner_key: str
    owner: str
    form: str
    header_key: str
    header_text: str
    target: str
    saved_by: str
    saved_at: dt.datetime


def owner_of(reporting_unit: str, username: str) -> tuple[str, str]:
    """(key, label) of whom a mapping belongs to: the return's reporting unit (`Đơn vị báo
    cáo:`), or, for a return that names none, the account that uploads it."""
    unit = clean_text(reporting_unit)
    if unit and name_key(unit):
        return name_key(unit)[:255], unit[:255]
    return f"@{username}"[:255], f"Tài khoản {username}"[:255]


def _row(row: object) -> StoredMapping:
    return StoredMapping(**{k: getattr(row, k) for k in StoredMapping.__dataclass_fields__})


def for_owner(conn: Connection, owner_key: str, form: str) -> dict[str, str]:
    """The kept mapping of an owner's form: normalised header text → target."""
    t = schema.header_mapping
    rows = conn.execute(
        select(t.c.header_key, t.c.target).where(t.c.owner_key == owner_key, t.c.form == form)
    )
    return {r.header_key: r.target for r in rows}


def remember(
    conn: Connection,
    *,
    owner_key: str,
    owner: str,
    form: str,
    entries: Iterable[tuple[str, str, str]],
    actor: str,
) -> int:
    """Keep `entries` (header key, header text, target) for the owner's form, each replacing
    the one kept for the same header; audited. How many were kept."""
    t = schema.header_mapping
    rows = [
        {
            "owner_key": owner_key[:255],
            "owner": owner[:255],
            "form": form,
            "header_key": key[:MAX_TEXT],
            "header_text": text[:MAX_TEXT],
            "target": target[:40],
            "saved_by": actor[:120],
            "saved_at": accounts.now(),
        }
        for key, text, target in {e[0][:MAX_TEXT]: e for e in entries}.values()
    ]
    if not rows:
        return 0
    keys = [r["header_key"] for r in rows]
    conn.execute(
        delete(t).where(t.c.owner_key == owner_key, t.c.form == form, t.c.header_key.in_(keys))
    )
    conn.execute(insert(t), rows)
    detail = {"form": form, "columns": {r["header_text"]: r["target"] for r in rows}}
    accounts.audit(conn, actor, "mapping.saved", owner, detail)
    return len(rows)


def list_all(conn: Connection) -> list[StoredMapping]:
    """Every kept mapping, by owner, form and header text."""
    t = schema.header_mapping
    rows = conn.execute(select(t).order_by(t.c.owner, t.c.form, t.c.header_text, t.c.id))
    return [_row(r) for r in rows]


def delete_one(conn: Connection, mapping_id: int, actor: str) -> StoredMapping | None:
    """Forget one kept mapping (audited); None when there is no such row."""
    t = schema.header_mapping
    row = conn.execute(select(t).where(t.c.id == mapping_id)).first()
    if row is None:
        return None
    found = _row(row)
    conn.execute(delete(t).where(t.c.id == mapping_id))
    detail = {"form": found.form, "header": found.header_text, "target": found.target}
    accounts.audit(conn, actor, "mapping.deleted", found.owner, detail)
    return found

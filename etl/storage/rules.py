"""The rules an administrator chooses (etl.core.rules; docs/domain.md, "Provinces and
mergers"): each choice a row of `rule_setting`, appended with its audit entry in the caller's
transaction; nothing is ever updated, so the history of choices is the table itself. A new
row is logged in `data_change` by the database (migration 0012): the figures are read again."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from etl.core.rules import RULE_VALUES, RuleChoice, latest_choices, value_in_force
from etl.storage import schema
from etl.storage.accounts import audit
from etl.storage.accounts import now as _now


class RuleError(ValueError):
    """A choice that cannot be stored; the message is «tiếng Việt / English»."""


def history(conn: Connection, name: str) -> list[RuleChoice]:
    """Every stored choice of the rule `name`, newest first."""
    t = schema.rule_setting
    rows = conn.execute(select(t).where(t.c.name == name).order_by(t.c.id)).mappings().all()
    out: list[RuleChoice] = []
    for row in rows:  # one at a time: a row of no known value is skipped, as the figures do
        out += latest_choices([row]).values()
    return out[::-1]


def current(conn: Connection) -> dict[str, RuleChoice]:
    """The latest stored choice of each rule (as the figures read them)."""
    t = schema.rule_setting
    return latest_choices(conn.execute(select(t).order_by(t.c.id)).mappings().all())


def set_rule(conn: Connection, name: str, value: object, *, actor: str) -> RuleChoice:
    """Store `actor`'s choice of `value` for the rule `name`, with its audit entry
    (`rule.set`: the value before and after). Choosing again the stored value in force is
    refused (it would change nothing but the data version); choosing the setting's default
    while none is stored records it, so that a later change of the setting does not move
    the figures."""
    values = RULE_VALUES.get(name)
    if values is None:
        raise RuleError("Không có quy tắc này / no such rule")
    if not isinstance(value, str) or value not in values:
        raise RuleError("Cần chọn một trong các quy tắc đã nêu / choose one of the rules shown")
    stored = current(conn)
    before = value_in_force(stored, name)
    if name in stored and value == before:
        raise RuleError("Quy tắc này đang được áp dụng / this rule is already in force")
    at = _now()
    conn.execute(
        insert(schema.rule_setting).values(name=name, value=value, set_by=actor[:80], set_at=at)
    )
    audit(conn, actor, "rule.set", name, {"previous": before, "value": value})
    return RuleChoice(name, value, actor[:80], at)

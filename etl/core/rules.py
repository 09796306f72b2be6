"""The rules an administrator chooses on the administration page (docs/domain.md, "Provinces
and mergers"): each rule has a name, its possible values and a default from the settings; the
choices are stored append-only (`etl.storage.rules`, table `rule_setting`) and the rule in
force is the latest stored choice, else the setting's value.

Today one rule: how a merged province's figures are made of its predecessors'
(`merger_baseline_rule`, default `MERGER_BASELINE_RULE`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from etl.core.settings import MERGER_BASELINE_RULES, load_settings

MERGER_RULE = "merger_baseline_rule"
# each rule's name → its values (the first is the settings' own default)
RULE_VALUES: dict[str, tuple[str, ...]] = {MERGER_RULE: MERGER_BASELINE_RULES}
# each rule's name → the environment variable that gives its default (README, settings)
RULE_VARIABLES = {MERGER_RULE: "MERGER_BASELINE_RULE"}


@dataclass(frozen=True)
class RuleChoice:
    """A stored choice of a rule: its value, who chose it and when."""

    name: str
    value: str
    set_by: str
    set_at: dt.datetime | None


def latest_choices(rows: Iterable[Mapping[str, Any]]) -> dict[str, RuleChoice]:
    """The latest stored choice of each rule, from `rule_setting` rows in the order of their
    ids; a row naming no known rule or no value of its rule is ignored (never stored by the
    product: `etl.storage.rules.set_rule` refuses it)."""
    found: dict[str, RuleChoice] = {}
    for row in rows:
        name, value = str(row["name"]), str(row["value"])
        if value not in RULE_VALUES.get(name, ()):
            continue
        found[name] = RuleChoice(name, value, str(row["set_by"] or ""), _moment(row["set_at"]))
    return found


def _moment(value: Any) -> dt.datetime | None:
    """A stored moment (a datetime, a pandas Timestamp, or ISO text from SQLite)."""
    if value is None or value != value:  # None or NaT
        return None
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value if isinstance(value, dt.datetime) else None


def default_value(name: str) -> str:
    """The rule's value when none is stored: the setting's (README, settings table)."""
    if name == MERGER_RULE:
        return load_settings().merger_baseline_rule
    raise KeyError(name)


def value_in_force(choices: Mapping[str, RuleChoice], name: str) -> str:
    """The value of the rule `name`: the latest stored choice, else the setting's default."""
    choice = choices.get(name)
    return choice.value if choice is not None else default_value(name)

"""Former provinces in the stored data (docs/domain.md, "Provinces and mergers"): the mergers
of provinces a Biểu 03 recorded, the province each unit was of, the choices of the filter bar's
«Tỉnh (cũ)» and the rule that splits a merged successor's figures between them.

A unit's former province is its `province_key`, or, for "" (the deployment's own province or
none written), the key of the province every merger led into (`own_province`). Before any
merger, and in a deployment that writes no province, there is one province and nothing here
changes a figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from etl.core.formatting import fmt_date
from etl.core.provinces import PROVINCE_EVENT_KIND, province_key, province_label
from etl.core.rules import MERGER_RULE, value_in_force
from etl.core.settings import MERGER_BASELINE_RULES, load_settings
from etl.measures.cache import memoised
from etl.measures.dataset import Dataset

NO_PROVINCE = "Không ghi tỉnh, thành phố"  # units naming none, where no province is known

# the merged-province baseline rule's values (etl.core.rules.MERGER_RULE): what each is called
# on the administration page and what it says, in the sentence of every page that uses it
_SUM = (
    "số gốc của tỉnh, thành phố sau hợp nhất là tổng số gốc của các tỉnh, thành phố "
    "trước hợp nhất; "
)
MERGER_RULE_LABELS = {
    "tong_truoc_sap_nhap": "Chia theo tỷ lệ số gốc của các tỉnh (cũ)",
    "theo_don_vi_tiep_nhan": "Tính trọn cho tỉnh (cũ) của đơn vị tiếp nhận",
}
MERGER_RULE_TEXTS = {
    "tong_truoc_sap_nhap": _SUM + "số liệu của đơn vị hình thành từ đơn vị của nhiều tỉnh được "
    "chia cho từng tỉnh (cũ) theo tỷ lệ số gốc của các đơn vị trước sắp xếp",
    "theo_don_vi_tiep_nhan": _SUM + "số liệu của đơn vị sáp nhập sang tỉnh khác được tính trọn "
    "cho tỉnh (cũ) của đơn vị tiếp nhận",
}
assert set(MERGER_RULE_LABELS) == set(MERGER_RULE_TEXTS) == set(MERGER_BASELINE_RULES)


@dataclass(frozen=True)
class ProvinceMerger:
    """A merger of provinces (Biểu 03, `Loại đơn vị` = `Tỉnh, thành phố`)."""

    date: dt.date
    event_type: str
    doc_ref: str
    before: tuple[tuple[str, str], ...]  # (display name, key)
    after: tuple[str, str]


def province_mergers(ds: Dataset) -> list[ProvinceMerger]:
    """The mergers of provinces shown (approved returns, or all), in date order."""

    def build() -> list[ProvinceMerger]:
        events = ds.events
        if not len(events) or "provinces" not in events.columns:
            return []
        rows = events[events["unit_kind"] == PROVINCE_EVENT_KIND]
        out = []
        for ev in rows.itertuples():
            provinces = ev.provinces if isinstance(ev.provinces, dict) else {}
            after = provinces.get("after")
            if not after:
                continue
            out.append(
                ProvinceMerger(
                    date=ev.effective_date,
                    event_type=str(ev.event_type),
                    doc_ref=str(ev.doc_ref or ""),
                    before=tuple((str(n), str(k)) for n, k in provinces.get("before", [])),
                    after=(str(after[0]), str(after[1])),
                )
            )
        return sorted(out, key=lambda m: m.date)

    return memoised(ds, ("province_mergers",), build)


def own_province(ds: Dataset) -> tuple[str, str]:
    """(key, name) of the deployment's province: the `PROVINCE` setting, else the province
    the latest merger led into; ("", "") when neither names one."""
    setting = load_settings().province
    if setting:
        return province_key(setting), province_label(setting)
    mergers = province_mergers(ds)
    return mergers[-1].after[::-1] if mergers else ("", "")


def unit_provinces(ds: Dataset) -> np.ndarray:
    """The former province key of each unit, aligned with `ds.units`."""

    def build() -> np.ndarray:
        own, _name = own_province(ds)
        keys = ds.units["province_key"].fillna("").to_numpy(dtype=object)
        return np.where(keys == "", own, keys).astype(object)

    return memoised(ds, ("unit_provinces",), build)


def province_choices(ds: Dataset) -> dict[str, str]:
    """Former province key → `Tỉnh Hậu Giang (cũ)`, for every province the data holds (units
    or mergers), in name order; the deployment's own province without `(cũ)` unless it merged
    into another. Empty when the data holds one province only."""

    def build() -> dict[str, str]:
        names: dict[str, str] = {}
        own, own_name = own_province(ds)
        for merger in province_mergers(ds):
            names.update({k: n for n, k in merger.before})
        units = ds.units
        other = units[units["province_key"].fillna("") != ""]
        for key, name in zip(other["province_key"], other["province"], strict=True):
            names.setdefault(str(key), province_label(name) if name else str(key))
        if own:
            names.setdefault(own, own_name)
        keys = set(unit_provinces(ds)) | set(names)
        if len(keys) < 2:
            return {}
        merged = {k for m in province_mergers(ds) for _n, k in m.before}
        names.setdefault("", NO_PROVINCE)
        labels = {k: names.get(k, k) + (" (cũ)" if k in merged else "") for k in keys}
        return dict(sorted(labels.items(), key=lambda kv: kv[1]))

    return memoised(ds, ("province_choices",), build)


def resolve_province(ds: Dataset, text: str | None) -> str | None:
    """The key of the former province `text` names (`Tỉnh Hậu Giang (cũ)`, `Hậu Giang`,
    `hau giang`, its key); None when it names none."""
    if not text:
        return None
    key = province_key(text)
    return key if key in province_choices(ds) else None


def baseline_rule(ds: Dataset) -> str:
    """The merged-province baseline rule in force for `ds` (docs/domain.md, "Provinces and
    mergers"): the administrator's latest choice the Dataset carries, else the setting
    `MERGER_BASELINE_RULE`."""
    return value_in_force(ds.rules, MERGER_RULE)


def merger_rule(ds: Dataset) -> str | None:
    """The sentence that says how merged provinces' figures are counted (`baseline_rule`),
    for every page and report that uses it; None when the data holds no merger of provinces."""
    mergers = province_mergers(ds)
    if not mergers:
        return None
    last = mergers[-1]
    names = ", ".join(n for n, _k in last.before)
    where = f"{last.after[0]} (hợp nhất từ {names} ngày {fmt_date(last.date)}"
    where += f", {last.doc_ref})" if last.doc_ref else ")"
    rule = MERGER_RULE_TEXTS[baseline_rule(ds)]
    return f"Quy ước (giả định, chưa có văn bản quy định): {where}: {rule}."

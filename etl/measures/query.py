"""The view parameters shared by the dashboard URL, the JSON API and the CLI:
cut-off date, scope (or district / sector / kind), whether pending reductions count, and
whether returns not yet approved by the Sở Nội vụ are included (`include_unreviewed`).

A `View` is what was asked (the cut-off may be missing, the scope is text); `resolve_view`
turns it into a `ResolvedView` (a cut-off date, a `Filter`), which every view function takes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from etl.measures.dataset import Dataset
from etl.measures.programmes import find as find_programme
from etl.measures.provinces import province_choices, resolve_province
from etl.measures.scoping import (
    CITY_LABEL,
    KIND_CHOICES,
    Filter,
    district_level_end,
    resolve_commune,
    resolve_district,
    resolve_kind,
    resolve_scope,
    resolve_sector,
)


class BadParameter(ValueError):
    """A parameter that cannot be understood; the message is Vietnamese first."""

    field: str | None = None  # the view's value that names nothing, when that is the cause


@dataclass(frozen=True)
class View:
    """A view as asked (in a URL, an API call or on the command line)."""

    as_of: dt.date | None = None
    scope: str | None = None
    district: str | None = None
    sector: str | None = None
    kind: str | None = None
    # a former province (`Tỉnh Hậu Giang (cũ)`, its name or key): its units' figures
    province: str | None = None
    include_pending: bool = True
    # the figures of returns still waiting for review too (never those returned)
    include_unreviewed: bool = False
    commune: str | None = None  # docs/domain.md, "Communes"
    # the programme (giai đoạn) asked for, e.g. `2026 - 2031`; None: the one at the cut-off
    programme: str | None = None

    @property
    def figures(self) -> str:
        """Which Dataset the view reads: "approved" (the default) or "all"."""
        return "all" if self.include_unreviewed else "approved"

    def to_query(self) -> str:
        params = {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "scope": self.scope,
            "district": self.district,
            "sector": self.sector,
            "kind": self.kind,
            "commune": self.commune,
            "province": self.province,
            "pending": None if self.include_pending else "0",
            "include_unreviewed": "1" if self.include_unreviewed else None,
            "programme": self.programme,
        }
        query = urlencode({k: v for k, v in params.items() if v})
        return f"?{query}" if query else ""


# the earliest cut-off a view may ask for: the stored returns start with the 2015 plan; before
# it nothing was reported (and a figure there would be invented)
EARLIEST_AS_OF = dt.date(2015, 1, 1)
MAX_TEXT = 200  # longer than any unit, district or sector name
PARAM_LABELS = {  # a view's parameters as the filter bar names them, for messages
    "as_of": "Ngày chốt số liệu",
    "scope": "Phạm vi",
    "district": "Quận, huyện",
    "sector": "Lĩnh vực",
    "kind": "Loại đơn vị",
    "commune": "Xã, phường",
    "province": "Tỉnh (cũ)",
    "pending": "Tính cả số chờ phê duyệt",
    "include_unreviewed": "Gồm báo cáo chưa duyệt",
    "programme": "Giai đoạn",
}


def _first(params: Mapping[str, object], key: str) -> str | None:
    """The parameter's first value as text, or None; BadParameter for text no name holds
    (control or invisible formatting characters, such as NUL or a right-to-left override)
    or longer than any name."""
    value = params.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    if any(unicodedata.category(ch) in _UNPRINTABLE for ch in text):
        raise BadParameter(
            f"{PARAM_LABELS.get(key, key)} chứa ký tự không hợp lệ (ký tự điều khiển hoặc "
            f"ký tự ẩn) / invalid characters in {key}"
        )
    if len(text) > MAX_TEXT:
        raise BadParameter(
            f"{PARAM_LABELS.get(key, key)} dài quá {MAX_TEXT} ký tự / {key} is too long"
        )
    return text or None


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


def parse_view(params: Mapping[str, object] | str | None) -> View:
    """A view from query parameters (a mapping, or a `?a=b` string)."""
    if params is None:
        params = {}
    if isinstance(params, str):
        params = parse_qs(params.lstrip("?"))
    if not isinstance(params, Mapping):
        raise BadParameter("Tham số không hợp lệ / invalid parameters")
    as_of_text = _first(params, "as_of")
    try:
        as_of = dt.date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError as exc:
        raise BadParameter(
            f"Ngày chốt số liệu «{as_of_text}» không hợp lệ (viết dạng năm-tháng-ngày, ví dụ "
            "2024-06-30) / invalid as_of (YYYY-MM-DD)"
        ) from exc
    if as_of is not None and as_of < EARLIEST_AS_OF:
        raise BadParameter(
            f"Ngày chốt số liệu phải từ {EARLIEST_AS_OF:%d/%m/%Y} trở đi (chưa có báo cáo nào "
            f"trước ngày đó) / as_of before {EARLIEST_AS_OF.isoformat()}"
        )
    kind = _first(params, "kind")  # a code or a label, resolved with the view
    pending = (_first(params, "pending") or "1").lower() not in ("0", "false", "no", "khong")
    unreviewed = (_first(params, "include_unreviewed") or "0").lower() in ("1", "true", "yes", "co")
    return View(
        as_of=as_of,
        scope=_first(params, "scope"),
        district=_first(params, "district"),
        sector=_first(params, "sector"),
        kind=kind,
        province=_first(params, "province"),
        include_pending=pending,
        include_unreviewed=unreviewed,
        commune=_first(params, "commune"),
        programme=_first(params, "programme"),
    )


# what a filter field is called in the notice of a value that matches nothing
FIELD_LABELS = {
    "scope": "phạm vi",
    "district": "quận, huyện",
    "sector": "lĩnh vực",
    "kind": "loại đơn vị",
    "commune": "xã, phường",
    "province": "tỉnh, thành phố (cũ)",
    "programme": "giai đoạn",
}


@dataclass(frozen=True)
class Unmatched:
    """A filter value of the view that names nothing in the stored data."""

    field: str  # "scope", "district", "sector", "kind", "commune", "province" or "programme"
    text: str

    @property
    def message(self) -> str:
        """`Không có quận, huyện «Khong Co» trong số liệu`."""
        return f"Không có {FIELD_LABELS[self.field]} «{self.text}» trong số liệu"


def resolve_filter(ds: Dataset, view: View) -> tuple[Filter, View, tuple[Unmatched, ...]]:
    """The metrics filter of a view, the view with each filter value written as its option
    (the district's one label, the sector's label, the kind's code), and the values that
    name nothing, which the filter leaves out. Values are matched like unit names
    (`scoping.resolve_district`, `resolve_sector`, `resolve_kind`)."""
    unmatched: list[Unmatched] = []
    base = resolve_scope(ds, view.scope)
    if base is None:
        unmatched.append(Unmatched("scope", view.scope or ""))
        base = Filter()
    parts = [] if base.label == CITY_LABEL and (not view.scope or unmatched) else [base.label]
    changes: dict[str, object] = {}
    asked: dict[str, object] = {}
    if view.district:
        district = resolve_district(ds, view.district)
        if district is None:
            unmatched.append(Unmatched("district", view.district))
        else:
            changes["district"] = asked["district"] = district
            parts.append(district)
    if view.commune:
        commune = resolve_commune(ds, view.commune)
        if commune is None:
            unmatched.append(Unmatched("commune", view.commune))
        else:
            changes["commune"] = asked["commune"] = commune
            parts.append(commune)
    if view.sector:
        sector = resolve_sector(ds, view.sector)
        if sector is None:
            unmatched.append(Unmatched("sector", view.sector))
        else:
            changes["sector"] = asked["sector"] = sector
            parts.append(sector)
    if view.kind:
        kind = resolve_kind(view.kind)
        if kind is None:
            unmatched.append(Unmatched("kind", view.kind))
        else:
            changes["kind"] = asked["kind"] = kind
            parts.append(KIND_CHOICES[kind])
    if view.province:
        province = resolve_province(ds, view.province)
        if province is None:
            unmatched.append(Unmatched("province", view.province))
        else:
            changes["province"] = province
            asked["province"] = province_choices(ds)[province]
            parts.append(province_choices(ds)[province])
    if view.programme:
        found = find_programme(ds, view.programme)
        if found is None:
            unmatched.append(Unmatched("programme", view.programme))
        else:
            asked["programme"] = found.name
    label = " · ".join(parts) if parts else CITY_LABEL
    flt = dataclasses.replace(base, label=label, **changes)
    return flt, dataclasses.replace(view, **asked), tuple(unmatched)


def view_filter(ds: Dataset, view: View) -> Filter:
    """The metrics filter of a view; raises BadParameter when a value of it (scope,
    district, sector, kind) names nothing."""
    flt, _asked, unmatched = resolve_filter(ds, view)
    _refuse(unmatched)
    return flt


def _refuse(unmatched: tuple[Unmatched, ...]) -> None:
    """BadParameter naming the first value that names nothing, if any."""
    if unmatched:
        first = unmatched[0]
        refused = BadParameter(f"{first.message} / {first.field} not found")
        refused.field = first.field  # which value: the CLI says so in its own words
        raise refused


@dataclass(frozen=True)
class ResolvedView:
    """A view resolved against the stored data, what every view function takes: the cut-off
    (never None), the `Filter` of its scope and whether pending reductions count; `asked` is
    the `View` it came from (for links), the defaults for a view made in code.

    Hashable; results kept per view are keyed by `key` (not by the view itself), so that two
    views asked differently but resolved alike share them."""

    as_of: dt.date
    filter: Filter = field(default_factory=Filter)
    include_pending: bool = True
    asked: View = View()
    # the view's filter values that name nothing (left out of `filter`), resolved leniently
    unmatched: tuple[Unmatched, ...] = ()
    # other sentences the page shows beside the figures (a commune before communes existed)
    notes: tuple[str, ...] = ()
    # the programme asked for, as stored (`2026 - 2031`); None: the one at the cut-off
    programme: str | None = None

    @property
    def key(self) -> tuple[dt.date, Filter, bool] | tuple[dt.date, Filter, bool, str]:
        """(cut-off, filter, include_pending[, programme]): the key of what is kept per view."""
        if self.programme:
            return (self.as_of, self.filter, self.include_pending, self.programme)
        return (self.as_of, self.filter, self.include_pending)

    @property
    def label(self) -> str:
        """The scope's name as shown, e.g. `Toàn thành phố` or `Huyện Cờ Đỏ · Giáo dục`."""
        return self.filter.label

    def to_query(self) -> str:
        """The query string of the view as asked (`?as_of=…&district=…`), or ""."""
        return self.asked.to_query()

    @property
    def shown(self) -> View:
        """The view the figures are of: as asked, without the values that name nothing."""
        if not self.unmatched:
            return self.asked
        return dataclasses.replace(self.asked, **{u.field: None for u in self.unmatched})

    @property
    def notices(self) -> list[str]:
        """One sentence per value that names nothing, saying what is shown instead:
        `Không có quận, huyện «Khong Co» trong số liệu; đang hiển thị số liệu Toàn thành
        phố.`"""
        shown = [
            f"{u.message}; đang hiển thị giai đoạn đang thực hiện tại ngày chốt."
            if u.field == "programme"
            else f"{u.message}; đang hiển thị số liệu {self.label}."
            for u in self.unmatched
        ]
        return shown + list(self.notes)


def resolve_view(
    ds: Dataset,
    view: View,
    default_as_of: dt.date | Callable[[], dt.date],
    *,
    lenient: bool = False,
) -> ResolvedView:
    """`view` resolved: its filter, its values written as their options (`asked`), and its
    cut-off, else `default_as_of` (called only then, when it is a function). A filter value
    that names nothing raises BadParameter, or, `lenient` (the dashboard), is left out of
    the filter and listed in `unmatched` (the page says so, `ResolvedView.notices`)."""
    flt, asked, unmatched = resolve_filter(ds, view)
    if not lenient:
        _refuse(unmatched)
    if view.as_of is not None:
        as_of = view.as_of
    elif callable(default_as_of):
        as_of = default_as_of()
    else:
        as_of = default_as_of
    flt, notes = _district_level(ds, flt, as_of)
    programme = asked.programme if not any(u.field == "programme" for u in unmatched) else None
    return ResolvedView(
        as_of, flt, view.include_pending, asked, unmatched, notes=notes, programme=programme
    )


def _district_level(ds: Dataset, flt: Filter, as_of: dt.date) -> tuple[Filter, tuple[str, ...]]:
    """The filter named for its cut-off, and what the page must say of it (docs/domain.md,
    "Communes"): from the end of the district level (its date from the stored district-end
    rows) a district is a former one, `Huyện Cờ Đỏ (cũ)`; a commune before that date has no
    figures yet, which a notice says (its figures are shown as missing, never refused)."""
    end = district_level_end(ds)
    notes: list[str] = []
    if flt.district and end is not None and as_of >= end:
        label = flt.label.replace(flt.district, f"{flt.district} (cũ)", 1)
        flt = dataclasses.replace(flt, label=label)
    if flt.commune and (end is None or as_of < end):
        since = f" từ ngày {end:%d/%m/%Y}" if end is not None else " sau khi cấp huyện kết thúc"
        notes.append(
            f"Xã, phường «{flt.commune}» chỉ có số liệu{since}; ngày chốt "
            f"{as_of:%d/%m/%Y} chưa có số liệu của xã, phường này."
        )
    return flt, tuple(notes)

"""The view parameters shared by the dashboard URL, the JSON API and the CLI:
cut-off date, scope (or district / sector / kind), and whether pending reductions count."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from etl.measures.dataset import Dataset
from etl.measures.scoping import CITY_LABEL, KIND_CHOICES, Filter, resolve_scope


class BadParameter(ValueError):
    """A parameter that cannot be understood; the message is Vietnamese first."""


@dataclass(frozen=True)
class View:
    as_of: dt.date | None = None
    scope: str | None = None
    district: str | None = None
    sector: str | None = None
    kind: str | None = None
    include_pending: bool = True

    def to_query(self) -> str:
        params = {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "scope": self.scope,
            "district": self.district,
            "sector": self.sector,
            "kind": self.kind,
            "pending": None if self.include_pending else "0",
        }
        query = urlencode({k: v for k, v in params.items() if v})
        return f"?{query}" if query else ""


def _first(params: Mapping[str, object], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    return text or None


def parse_view(params: Mapping[str, object] | str | None) -> View:
    """A view from query parameters (a mapping, or a `?a=b` string)."""
    if params is None:
        params = {}
    if isinstance(params, str):
        params = parse_qs(params.lstrip("?"))
    as_of_text = _first(params, "as_of")
    try:
        as_of = dt.date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError as exc:
        raise BadParameter(
            f"Ngày chốt số liệu «{as_of_text}» không hợp lệ (YYYY-MM-DD) / invalid as_of"
        ) from exc
    kind = _first(params, "kind")
    if kind and kind not in KIND_CHOICES:
        raise BadParameter(f"Loại đơn vị «{kind}» không hợp lệ / invalid kind")
    pending = (_first(params, "pending") or "1").lower() not in ("0", "false", "no", "khong")
    return View(
        as_of=as_of,
        scope=_first(params, "scope"),
        district=_first(params, "district"),
        sector=_first(params, "sector"),
        kind=kind,
        include_pending=pending,
    )


def view_filter(ds: Dataset, view: View) -> Filter:
    """The metrics filter of a view; raises BadParameter when the scope names nothing."""
    base = resolve_scope(ds, view.scope)
    if base is None:
        raise BadParameter(f"Không tìm thấy phạm vi «{view.scope}» / scope not found")
    parts = [] if base.label == CITY_LABEL and not view.scope else [base.label]
    changes: dict[str, object] = {}
    if view.district:
        changes["district"] = view.district
        parts.append(view.district)
    if view.sector:
        changes["sector"] = view.sector
        parts.append(view.sector)
    if view.kind:
        changes["kind"] = view.kind
        parts.append(KIND_CHOICES[view.kind])
    label = " · ".join(parts) if parts else base.label
    return dataclasses.replace(base, label=label, **changes)

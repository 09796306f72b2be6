"""The callbacks of «Kế hoạch» on the administration page that change programmes: a
programme's legal basis, baseline year and end year, and a new target rule of a programme
(etl.storage.programmes: each change an approved return of the administrator's own, audited,
in one transaction). docs/domain.md, "Programme targets"."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, callback, ctx, html, no_update

from components import ids
from etl.measures import programmes
from etl.measures.scoping import resolve_scope
from etl.storage import programmes as stored
from web import context, policy

policy.protect_outputs(
    policy.ADMIN,
    ids.PL_OUTCOME,
    ids.PL_DONE,
    ids.PL_PROGRAMME,
    ids.PL_BASIS,
    ids.PL_BASELINE,
    ids.PL_END,
)
ONLY_ADMINS = "Chỉ quản trị viên được sửa giai đoạn và chỉ tiêu."


def shown_programmes() -> list[dict[str, Any]]:
    """The programmes as the figures read them (approved returns), with their ids."""
    return [{**p.as_json(), "id": p.id} for p in programmes.programmes(context.dataset())]


def _outcome(text: str, ok: bool) -> html.P:
    return html.P(
        text,
        className="notice" if ok else "notice notice-bad",
        role="status" if ok else "alert",
        **{"data-testid": "plan-outcome"},
    )


def _whole(value: Any) -> int | None:
    """A whole number typed in a number field (None: empty or not one)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@callback(
    Output(ids.PL_PROGRAMME, "options"),
    Input(ids.ADMIN_URL, "pathname"),
    Input(ids.PL_DONE, "data"),
)
def programme_choices(_path: str | None, _done: Any = None) -> Any:
    """Every programme shown, to choose the one to change."""
    if not policy.may(policy.ADMIN):
        return []
    return [{"label": p["name"], "value": p["id"]} for p in shown_programmes()]


@callback(
    Output(ids.PL_BASIS, "value"),
    Output(ids.PL_BASELINE, "value"),
    Output(ids.PL_END, "value"),
    Input(ids.PL_PROGRAMME, "value"),
    prevent_initial_call=True,
)
def programme_fields(programme_id: Any) -> tuple[Any, Any, Any]:
    """The chosen programme's basis, baseline year and end year, to change."""
    if not policy.may(policy.ADMIN):
        return no_update, no_update, no_update
    found = next((p for p in shown_programmes() if p["id"] == programme_id), None)
    if found is None:
        return "", None, None
    return found["basis"] or "", found["baseline_year"], found["end_year"]


def programme_action(action: str, programme_id: Any, **values: Any) -> tuple[Any, bool]:
    """`edit` a programme or add a `rule` to it as the signed-in admin: (the message shown,
    whether it was done)."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return _outcome(ONLY_ADMINS, False), False
    chosen = next((p for p in shown_programmes() if p["id"] == programme_id), None)
    if chosen is None:
        return _outcome("Cần chọn giai đoạn / a programme is needed", False), False
    try:
        if action == "edit":
            end = values.get("end_year")
            if end is not None and _whole(end) is None:
                raise stored.ProgrammeError("Năm kết thúc phải là số năm / not a year")
            basis = values.get("basis")
            with context.engine().begin() as conn:
                stored.edit(
                    conn,
                    chosen["id"],
                    actor=acc.username,
                    basis=basis if isinstance(basis, str) else None,
                    baseline_year=_whole(values.get("baseline_year")),
                    end_year=_whole(end),
                )
            text = f"Đã lưu giai đoạn «{chosen['name']}»."
        else:
            scope_text = values.get("scope")
            scope_text = scope_text if isinstance(scope_text, str) else ""
            flt = resolve_scope(context.dataset(), scope_text)
            if flt is None or not (flt.is_whole or flt.unit_id is not None):
                raise stored.ProgrammeError(
                    f"Phạm vi «{scope_text}» phải là Toàn thành phố (Toàn tỉnh) hoặc tên, mã một "
                    "đơn vị / the scope must be the whole city or one unit"
                )
            pct, count = values.get("pct"), values.get("count")
            if count is not None and _whole(count) is None:
                raise stored.ProgrammeError("Số lượng giảm phải là số nguyên / not a whole number")
            if pct is not None and _number(pct) is None:
                raise stored.ProgrammeError("Tỷ lệ giảm phải là số / not a number")
            sectors = values.get("exclude") or []
            if not (isinstance(sectors, list) and all(isinstance(x, str) for x in sectors)):
                sectors = ["?"]
            measure = values.get("measure")
            with context.engine().begin() as conn:
                stored.add_rule(
                    conn,
                    chosen["id"],
                    actor=acc.username,
                    scope_unit_id=flt.unit_id,
                    measure=measure if isinstance(measure, str) else "",
                    pct=_number(pct),
                    count=_whole(count),
                    exclude_sectors=sectors,
                )
            text = f"Đã thêm chỉ tiêu cho «{flt.label}», giai đoạn «{chosen['name']}»."
    except stored.ProgrammeError as err:
        return _outcome(str(err), False), False
    return _outcome(text, True), True


@callback(
    Output(ids.PL_OUTCOME, "children"),
    Output(ids.PL_DONE, "data"),
    Input(ids.PL_SAVE, "n_clicks"),
    Input(ids.PL_ADD_RULE, "n_clicks"),
    State(ids.PL_PROGRAMME, "value"),
    State(ids.PL_BASIS, "value"),
    State(ids.PL_BASELINE, "value"),
    State(ids.PL_END, "value"),
    State(ids.PL_SCOPE, "value"),
    State(ids.PL_MEASURE, "value"),
    State(ids.PL_PCT, "value"),
    State(ids.PL_COUNT, "value"),
    State(ids.PL_EXCLUDE, "value"),
    State(ids.PL_DONE, "data"),
    prevent_initial_call=True,
)
def on_programme_action(
    _save: Any,
    _add: Any,
    programme_id: Any,
    basis: Any,
    baseline_year: Any,
    end_year: Any,
    scope: Any,
    measure: Any,
    pct: Any,
    count: Any,
    exclude: Any,
    done: Any,
) -> tuple[Any, Any]:
    """«Lưu giai đoạn» or «Thêm chỉ tiêu»: the outcome, and (when done) the plans refresh."""
    done = done if isinstance(done, int) and not isinstance(done, bool) else 0
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update
    if ctx.triggered_id == ids.PL_SAVE:
        message, ok = programme_action(
            "edit", programme_id, basis=basis, baseline_year=baseline_year, end_year=end_year
        )
    elif ctx.triggered_id == ids.PL_ADD_RULE:
        message, ok = programme_action(
            "rule",
            programme_id,
            scope=scope,
            measure=measure,
            pct=pct,
            count=count,
            exclude=exclude,
        )
    else:
        return no_update, no_update
    return message, (done + 1 if ok else no_update)

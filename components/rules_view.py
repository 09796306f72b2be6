"""Quy tắc sáp nhập on the administration page: the merged-province baseline rule in force
(its sentence, who chose it and when, or «mặc định theo cấu hình»), the rules there are with
what each means, the form with which an administrator puts another in force, and the earlier
choices. docs/domain.md, "Provinces and mergers"."""

from __future__ import annotations

from dash import dcc, html

from components import ids
from etl.core.formatting import fmt_moment
from etl.core.rules import RULE_VARIABLES, RuleChoice
from etl.measures.provinces import MERGER_RULE_LABELS, MERGER_RULE_TEXTS

DEFAULT_SOURCE = "mặc định theo cấu hình"


def _meaning(value: str) -> str:
    text = MERGER_RULE_TEXTS[value]
    return text[:1].upper() + text[1:] + "."


def make_rules_section() -> html.Div:
    """The section's static part: what the rule is, the choices with their meaning, the form."""
    return html.Div(
        [
            html.H2("Quy tắc sáp nhập tỉnh, thành phố"),
            html.P(
                "Cách tính số liệu của tỉnh, thành phố hình thành do hợp nhất từ số liệu của các "
                "tỉnh, thành phố trước hợp nhất. Quy tắc đang áp dụng được ghi trên mọi trang và "
                "báo cáo có dùng đến; đổi quy tắc thì mọi số liệu được tính lại ngay.",
                className="small",
            ),
            html.Div(id=ids.RU_CONTENT),
            html.H3("Đổi quy tắc"),
            dcc.RadioItems(
                id=ids.RU_CHOICE,
                options=[
                    {
                        "label": html.Span(
                            [html.B(MERGER_RULE_LABELS[v]), ": ", _meaning(v)],
                            **{"data-testid": f"rule-option-{v}"},
                        ),
                        "value": v,
                    }
                    for v in MERGER_RULE_LABELS
                ],
                labelStyle={"display": "block", "marginBottom": "6px"},
            ),
            html.Button("Lưu quy tắc", id=ids.RU_SAVE),
            html.Div(id=ids.RU_OUTCOME, role="status"),
            dcc.Store(id=ids.RU_DONE, data=0),
        ],
        className="panel",
        style={"marginBottom": "16px"},
        **{"data-testid": "rule-section"},
    )


def make_rule_state(value: str, choice: RuleChoice | None, earlier: list[RuleChoice]) -> list:
    """The rule in force (`value`; `choice`: the stored choice that put it in force, None:
    the setting's default) and the earlier choices, newest first."""
    if choice is None:
        source = f"{DEFAULT_SOURCE} ({RULE_VARIABLES['merger_baseline_rule']})"
    else:
        source = f"do {choice.set_by} chọn lúc {fmt_moment(choice.set_at, '—')}"
    shown: list = [
        html.P(
            [
                "Đang áp dụng: ",
                html.B(MERGER_RULE_LABELS[value]),
                f" ({source}). ",
                _meaning(value),
            ],
            **{"data-testid": "rule-in-force"},
        )
    ]
    if earlier:
        shown.append(
            html.Details(
                [
                    html.Summary("Các lần chọn trước"),
                    html.Ul(
                        [
                            html.Li(
                                f"{fmt_moment(c.set_at, '—')}: {MERGER_RULE_LABELS[c.value]} "
                                f"(do {c.set_by} chọn)"
                            )
                            for c in earlier
                        ]
                    ),
                ]
            )
        )
    return shown


def make_rule_outcome(text: str, ok: bool) -> html.P:
    return html.P(
        text,
        className="notice" if ok else "notice notice-bad",
        role="status" if ok else "alert",
        **{"data-testid": "rule-outcome"},
    )

"""Words a user meets that come from the libraries, not from us: they must be Vietnamese too."""

from __future__ import annotations

import re
from pathlib import Path

from components.overview import GRAPH_CONFIG
from components.widgets import DROPDOWN_LABELS, date_picker, dropdown

ROOT = Path(__file__).resolve().parent.parent
# Dash 4 components whose built-in words are English unless set (components/widgets.py sets them)
RAW = re.compile(r"\bdcc\.(Dropdown|DatePickerSingle|DatePickerRange)\(")


def test_pages_build_dropdowns_and_date_pickers_through_the_vietnamese_widgets():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("components", "pages", "web")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "widgets.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if RAW.search(line)
    ]
    assert offenders == []


def test_the_widgets_carry_every_label_dash_knows():
    from dash.dcc import Dropdown

    doc = (Dropdown.__doc__ or "").split("`labels` is a dict with keys:", 1)[1]
    doc = doc.split("\n\n    -")[0]
    defaults = re.findall(r"- (\w+) \(string; optional\)", doc)
    assert len(defaults) >= 7  # Dash 4.4: select_all … no_options_found
    assert set(defaults) <= set(DROPDOWN_LABELS), set(defaults) - set(DROPDOWN_LABELS)
    assert dropdown(id="x").labels == DROPDOWN_LABELS
    assert dropdown(id="x").placeholder == "Chọn…"
    picker = date_picker(id="d")
    assert (picker.display_format, picker.placeholder) == ("DD/MM/YYYY", "dd/mm/yyyy")


def test_no_chart_button_sends_data_out():
    assert GRAPH_CONFIG["showSendToCloud"] is False
    assert "sendChartToCloud" in GRAPH_CONFIG["modeBarButtonsToRemove"]
    assert GRAPH_CONFIG["locale"] == "vi" and GRAPH_CONFIG["locales"]["vi"]["dictionary"]


def test_the_date_picker_locale_is_served_from_this_server():
    script = (ROOT / "assets" / "date_fns_locale_vi.js").read_text(encoding="utf-8")
    assert "window.dateFns" in script and "http" not in script.split("*/", 1)[1]


def test_every_audit_action_the_code_writes_has_a_vietnamese_name():
    """The audit log shows actions by name: scan the product for the actions it writes."""
    from components.admin_view import AUDIT_ACTIONS, audit_action_label
    from etl.core.vocabulary import IngestStatus

    written = set()
    call = re.compile(r"\baudit(?:_now)?\(")
    dotted = re.compile(r"\"([a-z]+(?:\.[a-z_-]+)+)\"")  # "user.add", "review.approve", …
    for folder in ("etl", "web", "reporting", "pages", "components"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for start in (m.end() for m in call.finditer(source)):
                window = source[start : start + 150]
                written |= set(dotted.findall(window))
                written |= {"login"} & set(re.findall(r"\"(\w+)\"", window[:60]))
    written |= {f"upload.{status}" for status in IngestStatus}  # f"upload.{result.status}"
    assert {"login", "user.disable", "reminder.sent", "export.table"} <= written  # scan works
    unnamed = sorted(a for a in written if audit_action_label(a) == a)
    assert unnamed == [], unnamed
    assert all(label and label[0].isupper() for label in AUDIT_ACTIONS.values())


def test_problems_are_shown_by_their_vietnamese_name():
    from etl.core.problem_codes import CATALOGUE, problem_name

    assert all(problem_name(code) == kind.name_vi for code, kind in CATALOGUE.items())
    assert problem_name("khong-co") == "khong-co"


def _audit_detail_keys() -> set[str]:
    """The keys of every detail the product writes: the dict literals passed to `audit` or
    `audit_now`, or assigned to `detail`, and `detail["key"] = …`."""
    import ast

    def literal_keys(node: ast.AST | None) -> set[str]:
        if not isinstance(node, ast.Dict):
            return set()
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}

    keys: set[str] = set()
    for folder in ("etl", "web", "reporting", "pages", "components"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(
                    node.func, "attr", getattr(node.func, "id", "")
                ) in ("audit", "audit_now"):
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        keys |= literal_keys(arg)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id == "detail":
                            keys |= literal_keys(node.value)
                        if (
                            isinstance(target, ast.Subscript)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "detail"
                            and isinstance(target.slice, ast.Constant)
                        ):
                            keys.add(target.slice.value)
    return keys


def test_every_audit_detail_the_code_writes_is_shown_in_vietnamese():
    """The audit log's «Chi tiết» column: no Python `None`/`True`/`['…']`, no English key, a
    problem by its name."""
    from components.admin_view import AUDIT_DETAIL_LABELS, audit_detail_text

    keys = _audit_detail_keys()
    assert {
        "sha256",
        "codes",
        "file_name_sent",
        "role",
        "sent",
        "title",
        "header",
    } <= keys  # the scan works
    assert sorted(keys - set(AUDIT_DETAIL_LABELS)) == []
    refused = {
        "sha256": "ab12",
        "submission_id": None,
        "codes": ["negative-count", "not-a-number"],
        "errors": ["Biểu 01!D14 not-a-number", "Biểu 01!G15 negative-count"],
        "check": True,
    }
    text = audit_detail_text(refused)
    assert text == (
        "mã SHA-256: ab12; số báo cáo: —; lỗi: Số âm, Không phải số; "
        "ô có lỗi: Biểu 01!D14 Không phải số, Biểu 01!G15 Số âm; chỉ kiểm tra (chưa lưu): có"
    )
    accepted = {"counts": {"facts": 1234}, "review_status": "cho_duyet", "approved": False}
    assert audit_detail_text(accepted) == (
        "số dòng: số liệu 1.234; trạng thái duyệt: Chờ duyệt; đã duyệt: không"
    )
    export = {"as_of": "2024-06-30", "pending": "0", "role": "viewer"}
    assert audit_detail_text(export) == (
        "ngày chốt số liệu: 30/06/2024; tính cả số chờ phê duyệt: không; vai trò: Lãnh đạo (xem)"
    )


def test_the_overviews_stat_cards_write_a_count_one_way():
    """«00 ĐVSNCL chưa đủ điều kiện» beside «0 Đơn vị kiện toàn bên trong» on one page: a card
    shows a count as a number (`0`, `4`, `1.234`); the leading zero is for prose («02 khoa»)."""
    from components.overview import make_job_panel
    from etl.core.vocabulary import UnitGroup

    group = {"approved": 3, "eligible": 4, "ineligible": 0}
    for ineligible, shown in ((0, "0"), (4, "4"), (1234, "1.234")):
        jp = {
            UnitGroup.ADMINISTRATIVE: group,
            UnitGroup.SERVICE: {**group, "ineligible": ineligible},
        }
        panel = make_job_panel(jp, [])
        values = [stat.children[0].children for stat in panel.children[1].children if stat.children]
        assert values == ["3/4", "3/4", shown]


def test_every_english_label_dash_draws_is_replaced_in_the_page():
    """dcc's date picker and number input write English aria-labels («Clear date», «Next
    month») with no property to change them; assets/library_words.js replaces each. Read them
    from the installed Dash, so a word a new version adds shows up here."""
    import dash

    bundles = Path(dash.__file__).parent / "dcc"
    drawn = set()
    for name in ("async-datepicker.js", "dash_core_components.js"):
        source = (bundles / name).read_text(encoding="utf-8")
        drawn |= set(re.findall(r'"aria-label":"([^"]+)"', source))
    assert {"Clear date", "Next month"} <= drawn  # the scan works
    script = (ROOT / "assets" / "library_words.js").read_text(encoding="utf-8")
    words = dict(re.findall(r'"([^"]+)": "([^"]+)"', script))
    assert sorted(drawn - set(words)) == []
    assert all(not vi.isascii() for vi in words.values()), words

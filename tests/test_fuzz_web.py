"""No input answers a 5xx or shows a traceback: every Flask route with every parameter the
routes read, and every Dash callback with its inputs and states, sent random and boundary
values (empty, null, huge and negative numbers, NUL, the right-to-left override, 10 000
characters, wrong types, lists for scalars, unknown ids), as the admin and as nobody.

The values are drawn from a seeded generator, so a failure repeats; each failure names the
request that made it."""

from __future__ import annotations

import json
import random
import re
import time
import traceback
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import got_request_exception

from reporting import render
from tests.conftest import login

HAS_BROWSER = render.find_browser() is not None
SEED = 20261206
BUDGET_S = 40  # the whole fuzz stays under a minute on the shared machine

# the query parameters the routes read (the dashboard's view, the review API's filters)
VIEW_PARAMS = ("as_of", "scope", "district", "sector", "kind", "pending", "include_unreviewed")
OTHER_PARAMS = ("status", "period", "ky", "trang_thai", "next", "page")

BOUNDARY: list[Any] = [
    "",
    None,
    0,
    -1,
    2**63,
    -(2**63),
    10**40,
    1.5,
    -0.0,
    True,
    "\x00",
    "\u202e",
    "\u202eCờ Đỏ",
    "x" * 10_000,
    "Cờ Đỏ\x00",
    [],
    ["a", "b"],
    [None],
    {},
    {"a": 1},
    "nan",
    "-1",
    "99999999999999999999999",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "'; DROP TABLE unit; --",
    "2019-01-01",
    "1900-01-01",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "2024-06-30T25:00",
    "Huyện Cờ Đỏ",
    "Giáo dục",
    "khong-co-don-vi",
    # whole query strings, for the URL's `search`
    "?scope=%00",
    "?scope=%E2%80%AE",
    "?as_of=2019-01-01",
    "?as_of=1900-01-01&include_unreviewed=1",
    "?district=Huy%E1%BB%87n+C%E1%BB%9D+%C4%90%E1%BB%8F&sector=Y+t%E1%BA%BF&kind=don_vi_su_nghiep",
    "?scope=" + "x" * 5000,
]


def _random_value(rng: random.Random) -> Any:
    """A boundary value, or a random string of awkward characters."""
    if rng.random() < 0.75:
        return rng.choice(BOUNDARY)
    alphabet = "aĐđờỏ0-9 %&?=#/\\\"'<>\x00\u202e\u200b\ufeff\n\t{}[]"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


class _Failures(list):
    """What went wrong, with where the app raised (from Flask's got_request_exception)."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.raised: list[str] = []
        self.app = app.server
        got_request_exception.connect(self._raised, self.app)

    def close(self) -> None:
        got_request_exception.disconnect(self._raised, self.app)

    def _raised(self, _sender: Any, exception: BaseException, **_extra: Any) -> None:
        frames = traceback.extract_tb(exception.__traceback__)
        place = "; ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}"
                          for f in frames[-3:])  # fmt: skip
        self.raised.append(f"{type(exception).__name__}: {str(exception)[:150]} at {place}")


def _check(response: Any, what: str, failures: list[str]) -> None:
    """Note `what` in `failures` if it answered a 5xx or a traceback."""
    body = response.data.decode("utf-8", "replace") if _is_text(response) else ""
    if response.status_code == 503 and not HAS_BROWSER and "/export/" in what:
        return  # a chart needs Chromium: without it the export says what to install (503)
    if response.status_code >= 500:
        raised = failures.raised[-1] if getattr(failures, "raised", None) else body[:200]
        failures.append(f"{what[:300]} → {response.status_code}: {raised}")
    elif "Traceback" in body or 'File "' in body:
        failures.append(f"{what} shows a traceback: {body[:300]}")


def _is_text(response: Any) -> bool:
    kind = response.mimetype or ""
    return kind.startswith("text/") or kind.endswith("json") or kind.endswith("javascript")


@pytest.fixture
def failures(isolated_app: Any) -> Iterator[_Failures]:
    found = _Failures(isolated_app)
    yield found
    found.close()


def _none_failed(failures: list[str]) -> None:
    """Each distinct failure once (by where it raised), the first ones."""
    distinct = {f.rsplit(" at ", 1)[-1]: f for f in failures}
    assert not failures, f"{len(failures)} failures, {len(distinct)} distinct:\n" + "\n".join(
        list(distinct.values())[:10]
    )


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> bool:
        return time.monotonic() < self.end


def _clients(app: Any) -> Iterator[tuple[str, Any, dict[str, str]]]:
    """(who, test client, headers): nobody signed in, then the admin (with the CSRF token)."""
    anonymous = app.server.test_client()
    yield "nobody", anonymous, {}
    admin = app.server.test_client()
    yield "admin", admin, {"X-CSRFToken": login(admin)}


# ---------------------------------------------------------------- Flask routes


def _path_of(rule: Any, rng: random.Random) -> str:
    """The rule's path with each variable filled with a fuzz value."""
    path = rule.rule
    for name in rule.arguments:
        text = _as_text(_random_value(rng))[:300] or "x"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(text, safe=""), path)
    return path


def _query(rng: random.Random) -> str:
    params = []
    for name in VIEW_PARAMS + OTHER_PARAMS:
        if rng.random() < 0.4:
            value = _random_value(rng)
            values = value if isinstance(value, list) else [value]
            params += [(name, _as_text(v)) for v in values]
    return urlencode(params)


def _fuzz_route(
    rule: Any, rng: random.Random, who: str, client: Any, headers: dict[str, str], failures: Any
) -> None:
    """One request to `rule` (GET and/or POST) with fuzz path variables and parameters."""
    url = f"{_path_of(rule, rng)}?{_query(rng)}"
    if "GET" in rule.methods:
        _check(client.get(url, headers=headers), f"{who} GET {url[:200]}", failures)
    if "POST" in rule.methods:
        value = _random_value(rng)
        body = {"comment": value, "output": value, "username": value}
        got = client.post(url, json=body if rng.random() < 0.5 else value, headers=headers)
        _check(got, f"{who} POST {url[:200]} {_as_text(value)[:80]}", failures)
        got = client.post(url, data=b"\xff\x00{not json", headers=headers,
                          content_type="application/json")  # fmt: skip
        _check(got, f"{who} POST {url[:200]} (broken JSON)", failures)


SKIP_ROUTES = {"static", "_dash_assets.static", "/_reload-hash"}


def test_every_route_answers_every_parameter_without_a_5xx(isolated_app, failures):
    app = isolated_app
    rng = random.Random(SEED)
    deadline = _Deadline(BUDGET_S / 2)
    rules = [r for r in app.server.url_map.iter_rules() if r.endpoint not in SKIP_ROUTES]
    expensive = {"export_report_pdf", "export_report_docx", "export_chart"}
    clients = list(_clients(app))
    # round after round over every route and both clients: the first round always runs
    # whole (every route is asked at least once), the others while time is left
    for round_no in range(12):
        for who, client, headers in clients:
            for rule in rules:
                if round_no and (not deadline.left() or (rule.endpoint in expensive
                                                         and round_no >= 3)):  # fmt: skip
                    continue
                _fuzz_route(rule, rng, who, client, headers, failures)
    _none_failed(failures)


VIEW_ROUTES = ("/api/v1/summary", "/export/tonghop.xlsx", "/export/data.xlsx")


def test_each_view_parameter_alone_answers_without_a_5xx(isolated_app, failures):
    """One parameter at a time (the others absent), every boundary value, on the summary
    and the workbook exports: a bad value is refused (400), never a 5xx. A value the summary
    accepts makes a whole workbook: the exports are asked for it once per route."""
    client = isolated_app.server.test_client()
    login(client)
    deadline = _Deadline(BUDGET_S / 3)
    exported = set()
    for value in BOUNDARY:  # value by value, so that every parameter gets the first ones
        for name in VIEW_PARAMS:
            if not deadline.left():
                break
            values = value if isinstance(value, list) else [value]
            query = urlencode([(name, _as_text(v)) for v in values])
            got = client.get(f"{VIEW_ROUTES[0]}?{query}")
            _check(got, f"GET {VIEW_ROUTES[0]}?{query[:200]}", failures)
            for route in VIEW_ROUTES[1:]:
                if got.status_code == 200 and route in exported:
                    continue
                exported.add(route) if got.status_code == 200 else None
                _check(client.get(f"{route}?{query}"), f"GET {route}?{query[:200]}", failures)
    _none_failed(failures)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("scope=%00", "ký tự không hợp lệ"),
        ("scope=%E2%80%AE", "ký tự không hợp lệ"),
        ("district=C%E1%BB%9D+%C4%90%E1%BB%8F%00", "ký tự không hợp lệ"),
        ("scope=" + "x" * 10_000, "dài quá"),
        ("as_of=2014-12-31", "từ 01/01/2015"),
        ("as_of=0001-01-01", "từ 01/01/2015"),
    ],
)
def test_known_bad_parameters_are_refused_in_vietnamese(isolated_app, failures, query, said):
    client = isolated_app.server.test_client()
    login(client)
    got = client.get(f"/api/v1/summary?{query}")
    assert got.status_code == 400 and said in got.get_json()["error"]
    for route in VIEW_ROUTES[1:]:
        got = client.get(f"{route}?{query}")
        assert got.status_code == 400 and said in got.get_data(as_text=True)


# ---------------------------------------------------------------- Dash callbacks


def _concrete(wildcard_id: str, rng: random.Random) -> Any:
    """A pattern-matching id (`{"role":["ALL"],…}`) with fuzz values for its wildcards; a
    plain id as it is."""
    if not wildcard_id.startswith("{"):
        return wildcard_id
    parsed = json.loads(wildcard_id)
    return {k: (_as_text(_random_value(rng))[:200] if isinstance(v, list) else v)
            for k, v in parsed.items()}  # fmt: skip


def _is_all(wildcard_id: str) -> bool:
    return '["ALL"]' in wildcard_id or '["ALLSMALLER"]' in wildcard_id


def _dependency(dep: dict[str, Any], rng: random.Random, value: Any) -> Any:
    if _is_all(dep["id"]):
        return [
            {"id": _concrete(dep["id"], rng), "property": dep["property"], "value": value}
            for _ in range(rng.randint(0, 2))
        ]
    return {"id": _concrete(dep["id"], rng), "property": dep["property"], "value": value}


def _outputs(key: str, rng: random.Random) -> Any:
    """The `outputs` of a request for the callback whose output key is `key`."""
    if key.startswith(".."):
        parts = [p for p in key.strip(".").split("...") if p]
    else:
        parts = [key]
    found = []
    for part in parts:
        part = part.split("@")[0]
        ident, _, prop = part.rpartition(".")
        found.append({"id": _concrete(ident, rng), "property": prop})
    return found if key.startswith("..") else found[0]


def _input_value(dep: dict[str, Any], rng: random.Random) -> Any:
    """A fuzz value; for the URL's query string, often one made of the view's and the pages'
    parameters with fuzz values (`?as_of=…&ky=…`)."""
    if dep["property"] == "search" and rng.random() < 0.6:
        return f"?{_query(rng)}"
    return _random_value(rng)


def _callback_body(key: str, spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    inputs = [_dependency(d, rng, _input_value(d, rng)) for d in spec["inputs"]]
    state = [_dependency(d, rng, _input_value(d, rng)) for d in spec["state"]]
    changed = []
    for dep in inputs:
        for one in dep if isinstance(dep, list) else [dep]:
            ident = one["id"]
            if isinstance(ident, dict):
                ident = json.dumps(ident, sort_keys=True, separators=(",", ":"))
            changed.append(f"{ident}.{one['property']}")
    return {
        "output": key,
        "outputs": _outputs(key, rng),
        "inputs": inputs,
        "state": state,
        "changedPropIds": rng.sample(changed, k=min(len(changed), rng.randint(0, 2))),
    }


def _fuzzable(spec: dict[str, Any]) -> bool:
    """Server callbacks that answer at once (background ones start a job: their refusal is
    checked in tests/test_background.py)."""
    return "callback" in spec and not spec.get("background")


def test_every_callback_answers_every_input_without_a_5xx(isolated_app, failures):
    app = isolated_app
    rng = random.Random(SEED + 1)
    deadline = _Deadline(BUDGET_S / 2)
    app.server.test_client().get("/login")  # Dash registers the pages' callbacks on a first request
    callbacks = sorted((k, v) for k, v in app.callback_map.items() if _fuzzable(v))
    assert len(callbacks) > 15  # the map is read, not empty
    sent = 0
    clients = list(_clients(app))
    for round_no in range(10):  # the first round whole, the others while time is left
        for who, client, headers in clients:
            for key, spec in callbacks:
                if round_no and not deadline.left():
                    break
                body = _callback_body(key, spec, rng)
                got = client.post("/_dash-update-component", json=body, headers=headers)
                _check(got, f"{who} callback {key[:80]} {json.dumps(body)[:300]}", failures)
                sent += 1
    _none_failed(failures)
    assert sent >= 2 * len(callbacks)


@pytest.mark.parametrize(
    "body",
    [
        # an output no callback has
        {"output": "no-such.children", "outputs": {"id": "no-such", "property": "children"},
         "inputs": [], "state": [], "changedPropIds": []},
        # a null group-by on the units page
        {"output": "units-content.children",
         "outputs": {"id": "units-content", "property": "children"},
         "inputs": [{"id": "url", "property": "search", "value": "?as_of=2024-06-30"},
                    {"id": "units-measure", "property": "value", "value": None},
                    {"id": "units-group-by", "property": "value", "value": None}],
         "state": [], "changedPropIds": ["units-group-by.value"]},
        # inputs missing altogether, and a body that is a list
        {"output": "overview-content.children",
         "outputs": {"id": "overview-content", "property": "children"}},
        [1, 2, 3],
        "x",
    ],
)  # fmt: skip
def test_crafted_callback_requests(isolated_app, failures, body):
    for who, client, headers in _clients(isolated_app):
        got = client.post("/_dash-update-component", json=body, headers=headers)
        _check(got, f"{who} {json.dumps(body)[:200]}", failures)
    _none_failed(failures)


@pytest.mark.parametrize(
    ("search", "said"),
    [
        ("?as_of=1900-01-01", "Ngày chốt số liệu phải từ 01/01/2015 trở đi"),
        (
            "?as_of=2024-13-45",
            "«2024-13-45» không hợp lệ (viết dạng năm-tháng-ngày, ví dụ 2024-06-30)",
        ),
        ("?scope=%00", "Phạm vi chứa ký tự không hợp lệ"),
    ],
)
def test_a_refused_view_is_explained_on_every_page(isolated_app, search, said):
    """The page shows the default view then, and the banner says why."""
    client = isolated_app.server.test_client()
    headers = {"X-CSRFToken": login(client)}
    text = _notes(client, headers, "filter-unreviewed-note", search)
    assert said in text and "view-problem" in text


def _notes(client, headers, output: str, search: str) -> str:
    body = {
        "output": f"{output}.children",
        "outputs": {"id": output, "property": "children"},
        "inputs": [{"id": "url", "property": "search", "value": search}],
        "state": [],
        "changedPropIds": ["url.search"],
    }
    got = client.post("/_dash-update-component", json=body, headers=headers)
    assert got.status_code == 200
    return json.dumps(got.get_json(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("search", "said"),
    [
        ("?scope=Kh%C3%B4ng+c%C3%B3", "Không có phạm vi «Không có» trong số liệu"),
        ("?district=Khong+Co&sector=Y+t%E1%BA%BF",
         "Không có quận, huyện «Khong Co» trong số liệu; đang hiển thị số liệu Y tế"),
    ],
)  # fmt: skip
def test_a_filter_naming_nothing_is_said_once_and_as_the_page_shows_it(isolated_app, search, said):
    """One notice, the filter note's, which names what is shown (the sector kept); no second
    banner saying «toàn thành phố» over a page of the sector."""
    client = isolated_app.server.test_client()
    headers = {"X-CSRFToken": login(client)}
    assert said in _notes(client, headers, "filter-note", search)
    banner = _notes(client, headers, "filter-unreviewed-note", search)
    assert "view-problem" not in banner and "toàn thành phố" not in banner

"""The shape of a callback request, checked before Dash reads it.

The browser posts `/_dash-update-component` with the callback's output key, its inputs and
states as Dash declared them. A request made by hand can carry anything: an output no
callback has, a list for the body, fewer inputs than the callback takes, a number for the
URL's query string. Dash would fail on these inside its dispatcher (a 500); `problem` names
what is wrong instead, so web/policy.py answers 400 with a Vietnamese message and no callback
runs. `install` adds the check to the server (and answers 404 for a script file of a package
Dash does not serve, which Dash raises as an error) after Dash's own first-request setup (which
registers the pages' callbacks), and after the login and access guard (web/auth.py: an
anonymous request still gets 401). What it checks:

* the body is an object whose `output` is a callback of the app;
* `inputs` and `state` are lists, as long as the callback's, each item naming the property
  the callback declared (for a pattern-matching `ALL` id: a list of such items), with a
  string or an object for an id;
* `changedPropIds` (if any) is a list of strings;
* the values of the properties whose type is fixed (the URL's parts, a date, a click count,
  an upload's contents) have that type; other values are the callback's to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request

# properties whose value has one type in every component of the app (None: not set)
_TEXT = (str,)
_PROPERTY_TYPES: dict[str, tuple[type, ...]] = {
    "search": _TEXT,
    "pathname": _TEXT,
    "hash": _TEXT,
    "href": _TEXT,
    "date": _TEXT,
    "n_clicks": (int,),
    "n_intervals": (int,),
    "getRowsRequest": (dict,),
}
_TEXT_OR_TEXTS = ("contents", "filename")  # dcc.Upload: one file, or several
_MAX_ITEMS = 500  # items of one ALL wildcard: more than any page shows

BAD_REQUEST_VI = "Yêu cầu cập nhật không hợp lệ"


CALLBACK_PATH = "/_dash-update-component"


def install(server: Flask, callback_map: Mapping[str, Mapping[str, Any]]) -> None:
    """Answer a malformed callback request 400 (`problem`) before Dash reads it."""

    def check() -> Response | None:
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        why = problem(request.get_json(silent=True), callback_map)
        if why is None:
            return None
        response = jsonify({"error": why, "code": "bad-request"})
        response.status_code = 400
        return response

    def no_such_file(_exc: DependencyException) -> Response:
        """`/_dash-component-suites/<package>/…` of a package Dash does not serve."""
        response = jsonify({"error": "Không có tệp này / not found", "code": "not-found"})
        response.status_code = 404
        return response

    server.before_request(check)
    server.register_error_handler(DependencyException, no_such_file)


def problem(body: object, callback_map: Mapping[str, Mapping[str, Any]]) -> str | None:
    """What is wrong with a callback request `body` (Vietnamese, then English), or None."""
    if not isinstance(body, dict):
        return _bad("body is not an object")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return _bad("unknown output")
    spec = callback_map[output]
    if "callback" not in spec:  # a clientside callback: nothing runs on the server
        return _bad("clientside callback")
    for part in ("inputs", "state"):
        found = body.get(part, [])
        declared = spec.get(part, [])
        if not isinstance(found, list) or len(found) != len(declared):
            return _bad(f"{part} do not match the callback")
        for item, dep in zip(found, declared, strict=True):
            why = _item_problem(item, dep)
            if why:
                return _bad(f"{part}: {why}")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return _bad("changedPropIds is not a list of strings")
    if not isinstance(body.get("outputs", {}), (dict, list)):
        return _bad("outputs is not an object")
    return None


def _bad(why_en: str) -> str:
    return f"{BAD_REQUEST_VI} / bad callback request: {why_en}"


def _item_problem(item: object, dep: Mapping[str, Any]) -> str | None:
    wildcard_all = '["ALL"]' in dep["id"] or '["ALLSMALLER"]' in dep["id"]
    if wildcard_all:
        if not isinstance(item, list) or len(item) > _MAX_ITEMS:
            return "a wildcard's items are not a list"
        for one in item:
            why = _one_problem(one, dep)
            if why:
                return why
        return None
    return _one_problem(item, dep)


def _one_problem(item: object, dep: Mapping[str, Any]) -> str | None:
    if not isinstance(item, dict):
        return "an item is not an object"
    ident, prop = item.get("id"), item.get("property")
    if prop != dep["property"]:
        return "a property the callback does not take"
    pattern = dep["id"].startswith("{")
    if pattern and not isinstance(ident, dict):
        return "a pattern-matching id that is not an object"
    if not pattern and ident != dep["id"]:
        return "an id the callback does not take"
    value = item.get("value")
    if value is None:
        # a location always has a path (Dash's page router reads it as text)
        return "pathname is missing" if prop == "pathname" else None
    if prop in _PROPERTY_TYPES:
        kinds = _PROPERTY_TYPES[prop]
        if not isinstance(value, kinds) or (kinds == (int,) and isinstance(value, bool)):
            return f"{prop} has the wrong type"
    if prop in _TEXT_OR_TEXTS and not (
        isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        return f"{prop} has the wrong type"
    if prop in ("pathname", "href") and not value.startswith("/"):
        return f"{prop} is not a path"
    return None

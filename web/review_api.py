"""The review API, for the Department's reviewers and admins (web/policy.py's guard answers
401 / 403 to everyone else before a route runs):

* `GET /api/v1/submissions?status=cho_duyet&period=ID`: the queue (`reviews.queue`);
* `GET /api/v1/submissions/<id>`: one submission, its review history and what it would change
  (`review_diff`: `changes`, every figure that differs from the approved one, baseline rows
  first; `unit_changes`, every unit attribute it would change, old → new, with its cell);
* `POST /api/v1/submissions/<id>/approve`;
* `POST /api/v1/submissions/<id>/return` with `comment` (form field or JSON).

A token request needs no CSRF token; a browser session must send `X-CSRFToken`, as for
`POST /api/v1/returns`. Every refusal is `{"error": "vi / en", "code": …}`: 400 a bad
parameter or a missing comment, 404 an unknown submission, 409 one that is not waiting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_wtf.csrf import validate_csrf
from sqlalchemy import Connection

from etl.core.vocabulary import ReviewStatus
from etl.measures.review_diff import review_diff
from etl.storage import db, periods, reviews
from web import context

ID_TEXT = re.compile(r"[0-9]{1,10}")
MAX_COMMENT = 2000
# ReviewError.code → HTTP status
ERROR_STATUS = {"not-found": 404, "conflict": 409, "comment-required": 400, "period-closed": 409}

Answer = Response | tuple[Response, int]


def error(status: int, code: str, vi: str, en: str) -> tuple[Response, int]:
    """A refusal: `{"error": "vi / en", "code": code}` with `status`."""
    return jsonify({"error": f"{vi} / {en}", "code": code}), status


def parse_id(text: str | None) -> int | None:
    """A stored id from a path or parameter, or None when the text cannot name one."""
    if text is None or not ID_TEXT.fullmatch(text):
        return None
    return db.stored_key(int(text))


def _not_found(submission_id: object = None) -> tuple[Response, int]:
    shown = f" #{submission_id}" if isinstance(submission_id, int) else ""
    return error(404, "not-found", f"Không có báo cáo{shown}", "submission not found")


def _csrf_refused() -> tuple[Response, int] | None:
    """A browser session must prove the request comes from our page; a token need not."""
    if getattr(g, "via_token", False):
        return None
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except Exception:  # flask_wtf raises ValidationError, or CSRFError
        return error(400, "csrf", "Thiếu mã chống giả mạo (CSRF)", "CSRF token missing")
    return None


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, NaN as null, numpy scalars as numbers."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _record(row: Any) -> dict[str, Any]:
    """A row (a dataclass or a mapping) as a dict of plain values."""
    data = dataclasses.asdict(row) if dataclasses.is_dataclass(row) else dict(row)
    return {k: _plain(v) for k, v in data.items()}


def submission_json(row: reviews.SubmissionRow) -> dict[str, Any]:
    """A `reviews.queue` row as the API answers it."""
    return {
        "id": row.id,
        "file_name": row.file_name,
        "reporting_unit": row.reporting_unit,
        "period": row.period,
        "period_id": row.period_id,
        "as_of": _plain(row.as_of),
        "status": row.status,
        "uploader": row.uploader,
        "uploaded_at": _plain(row.uploaded_at),
        "comment": row.comment,
    }


def _diff_rows(diff: Any) -> list[dict[str, Any]]:
    """The rows of a `review_diff` (a list of records or a DataFrame) as plain dicts."""
    rows = diff.rows
    if hasattr(rows, "to_dict"):  # a DataFrame
        rows = rows.to_dict("records")
    return [_record(r) for r in rows]


def _find(conn: Connection, submission_id: int) -> reviews.SubmissionRow | None:
    return reviews.get(conn, submission_id)


def list_submissions() -> Answer:
    status = (request.args.get("status") or "").strip() or None
    if status is not None and status not in set(ReviewStatus):
        choices = ", ".join(ReviewStatus)
        return error(400, "bad-parameter", f"Trạng thái không hợp lệ ({choices})", "bad status")
    period_text = (request.args.get("period") or "").strip()
    period_id = parse_id(period_text) if period_text else None
    with context.engine().connect() as conn:
        if period_text and (period_id is None or periods.get(conn, period_id) is None):
            return error(400, "bad-parameter", "Không có kỳ báo cáo này", "unknown period")
        rows = reviews.queue(conn, status=status, period_id=period_id)
    response = jsonify({"submissions": [submission_json(r) for r in rows]})
    response.headers["Cache-Control"] = "no-store"
    return response


def show_submission(raw_id: str) -> Answer:
    submission_id = parse_id(raw_id)
    if submission_id is None:
        return _not_found()
    engine = context.engine()
    with engine.connect() as conn:
        row = _find(conn, submission_id)
        if row is None:
            return _not_found(submission_id)
        history = reviews.history(conn, submission_id)
    body = submission_json(row)
    body["history"] = [_record(h) for h in history]
    diff = review_diff(engine, submission_id)
    body["changes"] = _diff_rows(diff)
    body["unit_changes"] = [_record(c) for c in diff.unit_changes]
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _decide(
    raw_id: str, status: ReviewStatus, act: Callable[[Connection, int, str], None]
) -> Answer:
    """Record a decision on a waiting submission: `act(conn, id, actor)` writes it."""
    refused = _csrf_refused()
    if refused is not None:
        return refused
    submission_id = parse_id(raw_id)
    if submission_id is None:
        return _not_found()
    acc = context.account()
    assert acc is not None  # the guard answered 401 otherwise
    try:
        with context.engine().begin() as conn:
            act(conn, submission_id, acc.username)
    except reviews.ReviewError as exc:
        return _review_error(exc)
    return jsonify({"id": submission_id, "status": str(status)})


def _comment() -> str | tuple[Response, int]:
    """The return's comment, from the JSON body or the form; a refusal when missing."""
    body = request.get_json(silent=True) if request.is_json else None
    value = body.get("comment") if isinstance(body, dict) else request.form.get("comment")
    if value is not None and not isinstance(value, str):
        return error(400, "bad-parameter", "Nhận xét phải là văn bản", "comment must be text")
    comment = (value or "").strip()
    if not comment:
        return error(
            400,
            "comment-required",
            "Cần ghi nhận xét khi trả lại báo cáo (trường «comment»)",
            "a comment is required",
        )
    if len(comment) > MAX_COMMENT:
        return error(
            400,
            "bad-parameter",
            f"Nhận xét dài quá {MAX_COMMENT} ký tự",
            f"comment longer than {MAX_COMMENT} characters",
        )
    return comment


def _review_error(exc: reviews.ReviewError) -> tuple[Response, int]:
    """A refused review action as its answer."""
    return error(ERROR_STATUS.get(exc.code, 409), exc.code, exc.vi, exc.en)


def approve(raw_id: str) -> Answer:
    """`POST …/<id>/approve`: its figures count from now on."""
    return _decide(raw_id, ReviewStatus.DA_DUYET, reviews.approve)


def return_(raw_id: str) -> Answer:
    """`POST …/<id>/return` with `comment`: back to its unit, its figures never count."""
    refused = _csrf_refused()
    if refused is not None:
        return refused
    comment = _comment()
    if not isinstance(comment, str):
        return comment
    return _decide(
        raw_id,
        ReviewStatus.TRA_LAI,
        lambda conn, submission_id, actor: reviews.return_(conn, submission_id, actor, comment),
    )


def no_such_route(rest: str) -> Answer:
    return error(404, "not-found", "Không có địa chỉ này", "no such route")


def register(server: Flask) -> None:
    """Add the review routes (their access is web/policy.py's `ROUTES`)."""
    base = "/api/v1/submissions"
    server.add_url_rule(base, "api_submissions", list_submissions, methods=["GET"])
    server.add_url_rule(f"{base}/<raw_id>", "api_submission", show_submission, methods=["GET"])
    server.add_url_rule(f"{base}/<raw_id>/approve", "api_approve", approve, methods=["POST"])
    server.add_url_rule(f"{base}/<raw_id>/return", "api_return", return_, methods=["POST"])
    server.add_url_rule(
        f"{base}/<path:rest>", "api_submissions_other", no_such_route, methods=["GET", "POST"]
    )
    csrf = server.extensions["tgbc_csrf"]
    for view in (approve, return_, no_such_route):
        csrf.exempt(view)  # checked by `_csrf_refused`: a token request has no CSRF token

"""`POST /api/v1/returns`: upload by other systems, with an API token, scoped like its owner.

The answer names the submission (`id`) and its review `status` (`cho_duyet` while it waits for
the Department, `da_duyet` when stored approved; a duplicate file answers the status of the
submission already stored); `result` is what the upload did (`accepted`, `duplicate`). A
refused file answers 422 with `"id": null`, `"status": "refused"`."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, request
from flask_wtf.csrf import CSRFError, validate_csrf

from etl import service
from etl.storage import reviews
from web import context


def post_return() -> Response | tuple[Response, int]:
    acc = context.account()
    if acc is None:
        return jsonify({"error": "Cần đăng nhập / login required"}), 401
    if not getattr(g, "via_token", False):  # a browser session must prove it is our page
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (CSRFError, Exception):
            return jsonify({"error": "Thiếu mã chống giả mạo (CSRF) / CSRF token missing"}), 400
    if not acc.may("upload"):
        return jsonify({"error": "Tài khoản không có quyền nộp báo cáo / forbidden"}), 403
    upload = request.files.get("file")
    if upload is None:
        return jsonify({"error": "Thiếu tệp (trường «file») / no file part named 'file'"}), 400
    content = upload.read(context.settings().max_upload_bytes + 1)
    result = service.ingest_as(
        context.engine(), content, upload.filename or "tep.xlsx", acc, context.settings()
    )
    body = {
        "id": result.submission_id,
        "status": review_status(result.submission_id) if result.accepted else result.status,
        "result": result.status,
        "file_name": result.file_name,
        "submission_id": result.submission_id,
        "counts": result.counts,
        "problems": [p.as_dict() for p in result.problems],
    }
    return jsonify(body), (200 if result.accepted else 422)


def review_status(submission_id: int | None) -> str | None:
    """The review status of a stored submission (`etl.storage.reviews.status_of`)."""
    if submission_id is None:
        return None
    with context.engine().connect() as conn:
        return reviews.status_of(conn, submission_id)


def register(server: Flask) -> None:
    server.add_url_rule("/api/v1/returns", "api_returns", post_return, methods=["POST"])
    server.extensions["tgbc_csrf"].exempt(post_return)

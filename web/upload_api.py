"""`POST /api/v1/returns`: upload by other systems, with an API token, scoped like its owner."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, request
from flask_wtf.csrf import CSRFError, validate_csrf

from etl import service
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
        "file_name": result.file_name,
        "status": result.status,
        "submission_id": result.submission_id,
        "counts": result.counts,
        "problems": [p.as_dict() for p in result.problems],
    }
    return jsonify(body), (200 if result.accepted else 422)


def register(server: Flask) -> None:
    server.add_url_rule("/api/v1/returns", "api_returns", post_return, methods=["POST"])
    server.extensions["tgbc_csrf"].exempt(post_return)

"""The JSON API: `GET /api/v1/summary` takes the dashboard's query parameters and returns the
same JSON as `python -m etl summary --json`."""

from __future__ import annotations

import io

from flask import Flask, Response, current_app, jsonify, request, send_file

from etl import service
from etl.core.forms import FORMS
from etl.measures.query import BadParameter, parse_view


def summary_endpoint() -> Response | tuple[Response, int]:
    engine = current_app.extensions["tgbc_engine"]
    try:
        view = parse_view(request.args.to_dict(flat=False))
        ds = current_app.extensions["tgbc_cache"].get(engine, figures=view.figures)
        summary, _view = service.view_summary(engine, ds, view)
    except BadParameter as exc:
        return jsonify({"error": str(exc)}), 400
    response = jsonify(summary)
    response.headers["Cache-Control"] = "no-store"
    return response


def template_endpoint(form: str) -> Response | tuple[Response, int]:
    """`/templates/<form>.xlsx`: the blank form, with dropdowns and instructions."""
    from etl.writers.templates import template_filename, write_template

    code = form.zfill(2)
    if code not in FORMS:
        return jsonify({"error": f"Không có biểu mẫu «{form}» / unknown form"}), 404
    buffer = io.BytesIO()
    write_template(code, buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=template_filename(code),
    )


def register(server: Flask) -> None:
    """Add the API and download routes to the Flask server."""
    server.json.ensure_ascii = False
    server.json.sort_keys = False
    server.add_url_rule("/api/v1/summary", "api_summary", summary_endpoint, methods=["GET"])
    server.add_url_rule("/templates/<form>.xlsx", "template", template_endpoint, methods=["GET"])

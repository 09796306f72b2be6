"""Nộp báo cáo: drop workbooks, see each one checked cell by cell, confirm to store; below,
«Báo cáo đã nộp»: the account's returns with the Department's review (waiting, approved,
returned with a comment), so a clerk can submit a corrected file.

Dropping files stages them (decoded, content-addressed under DATA_DIR/staging) in the request;
one small file is checked there too (answered at once); several files or a large one are read
and checked as a background job (web/background.py) with a progress bar ("Đang kiểm tra tệp
2/5: …") and a cancel button, so a large workbook ties up no web worker.
The check keeps what it read of each file beside it (`<sha256>.<key>.checked`, keyed by the
account and the mapping), so «Lưu» stores the file without reading it again: the read is used
only for a file of the same sha256 and mapping, and everything that depends on the database
is checked again when it is stored.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import pickle
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update, set_props
from sqlalchemy import Engine

from components import ids
from components.mappings_view import MAP_PREVIEW, MAP_TARGET, layouts_of, mapping_from
from components.upload_view import (
    UP_PROGRESS_PREFIX,
    UP_QUEUE,
    make_results,
    make_submitted,
    make_templates_links,
)
from etl import service
from etl.core.formatting import fmt_number
from etl.core.normalize import clean_text, name_key
from etl.core.settings import Settings
from etl.core.vocabulary import IngestStatus
from etl.ingest.load import CheckedRead, IngestResult
from etl.storage import accounts, reviews
from etl.writers.annotate import annotate
from web import background, context, policy

dash.register_page(
    __name__,
    path="/nop-bao-cao",
    name="Nộp báo cáo",
    title="Nộp báo cáo",
    order=4,
    access=policy.UPLOAD,
)
# checking and storing returns: uploaders and admins only, refused before they start
policy.protect_outputs(
    policy.UPLOAD,
    ids.UP_RESULTS,
    ids.UP_STAGED,
    ids.UP_CONFIRMED,
    ids.UP_DOWNLOAD,
    ids.UP_SUBMITTED,
)

SHA256 = re.compile(r"[0-9a-f]{64}")
# one dropped file up to this size is checked in the staging request itself (no job, no
# polling): a typical return is 20-60 KB and checks in tens of milliseconds
INLINE_CHECK_BYTES = 256_000
Progress = Callable[[int, int, str], None]


def layout(**_query: str) -> html.Div:
    limit_mb = context.settings().max_upload_bytes / 1e6
    return html.Div(
        [
            html.H2("Nộp báo cáo"),
            make_templates_links(),
            html.Div(
                dcc.Upload(
                    id=ids.UP_UPLOAD,
                    children=html.Div(
                        [
                            html.Strong("Kéo thả tệp Excel vào đây hoặc bấm để chọn"),
                            html.Div(
                                f"Nhận .xlsx, .xlsm, .xls, .ods; mỗi tệp tối đa "
                                f"{fmt_number(limit_mb, 0)} MB; có thể chọn nhiều tệp.",
                                className="small",
                            ),
                        ]
                    ),
                    multiple=True,
                    max_size=context.settings().max_upload_bytes,
                    accept=".xlsx,.xlsm,.xls,.ods",
                    className="dropzone",
                    className_reject="dropzone dropzone-reject",
                ),
                **{"data-max-bytes": str(context.settings().max_upload_bytes)},
            ),
            html.Div(id="upload-size-message", className="size-message", role="alert"),
            background.make_progress(UP_PROGRESS_PREFIX),
            dcc.Store(id=UP_QUEUE),
            dcc.Store(id=ids.UP_STAGED),
            dcc.Download(id=ids.UP_DOWNLOAD),
            html.Div(id=ids.UP_RESULTS),
            dcc.Loading(html.Div(id=ids.UP_CONFIRMED), type="dot"),
            html.Div(submitted_panel(), id=ids.UP_SUBMITTED),
        ]
    )


def own_submissions(
    engine: Engine, account: accounts.Account, unit_names: list[str]
) -> list[reviews.SubmissionRow]:
    """The returns `account` sees on this page, newest first: those it uploaded and those
    reporting for one of its units (`unit_names`), whoever uploaded them."""
    keys = {name_key(n) for n in unit_names}
    with engine.connect() as conn:
        rows = reviews.queue(conn)
    return [
        r
        for r in rows
        if r.uploader == account.username
        or (r.reporting_unit is not None and name_key(r.reporting_unit) in keys)
    ]


def submitted_panel() -> Any:
    """«Báo cáo đã nộp» for the signed-in account (nothing for an account that may not
    upload)."""
    acc = context.account()
    if acc is None or not acc.may("upload"):
        return None
    names = context.dataset().units["name"]
    unit_names = [str(names[u]) for u in sorted(acc.unit_ids) if u in names.index]
    return make_submitted(own_submissions(context.engine(), acc, unit_names))


def _staging_dir(settings: Settings | None = None) -> Path:
    path = (settings or context.settings()).data_dir / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _staged(sha256: Any, settings: Settings | None = None) -> Path:
    """The staged file of a sha256 (hex only: the value comes back from the browser)."""
    if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return _staging_dir(settings) / sha256


def _checked_path(
    sha256: str, account: accounts.Account | None, mapping: Any, settings: Settings | None = None
) -> Path:
    """Where the check keeps its read of the staged file `sha256` for `account` and `mapping`
    (None: none given)."""
    who = account.username if account is not None else ""
    key = json.dumps([who, mapping or None], sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return _staged(sha256, settings).with_name(f"{sha256}.{digest}.checked")


def _keep_checked(
    result: IngestResult, account: accounts.Account | None, settings: Settings | None = None
) -> None:
    """Keep the read of a dry run (`result.checked`) for «Lưu»."""
    checked = result.checked
    if checked is None:
        return
    path = _checked_path(checked.sha256, account, checked.mapping, settings)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def _kept_checked(
    sha256: str, account: accounts.Account | None, mapping: Any, settings: Settings | None = None
) -> CheckedRead | None:
    """The read the check kept of this file for this account and mapping, if any (anything
    unreadable there: none, the file is read again)."""
    try:
        # written by _keep_checked under DATA_DIR, which only the server writes
        kept = pickle.loads(_checked_path(sha256, account, mapping, settings).read_bytes())
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return kept if isinstance(kept, CheckedRead) and kept.sha256 == sha256 else None


def _as_item(
    result: IngestResult, sha256: str, kept: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "file_name": result.file_name,
        "sha256": sha256,
        "status": result.status,
        "problems": [p.as_dict() for p in result.problems],
        "preview": result.preview,
        # the mapping step (components/mappings_view.py)
        "layouts": [dataclasses.asdict(lay) for lay in result.layouts],
        "mapping": result.mapping,
        "mapping_source": result.mapping_source,
        "kept": kept or {},
    }


def _files(contents: Any, names: Any) -> list[tuple[str, str]]:
    """(content, name) of each dropped file as the browser sent them (one file, or several);
    nothing for values a browser does not send (a request made by hand)."""
    contents = [contents] if isinstance(contents, str) else contents
    names = [names] if isinstance(names, str) else names
    if not isinstance(contents, list) or not isinstance(names, list):
        return []
    if len(contents) != len(names):
        return []
    pairs = list(zip(contents, names, strict=True))
    return [(c, n) for c, n in pairs if isinstance(c, str) and isinstance(n, str)]


def _staged_items(items: Any) -> list[dict[str, Any]]:
    """The checked files the page kept (the staged store, sent back by the browser): only
    well-formed entries."""
    if not isinstance(items, list):
        return []
    keys = ("sha256", "file_name", "status")
    return [
        i for i in items if isinstance(i, dict) and all(isinstance(i.get(k), str) for k in keys)
    ]


def stage_files(
    contents: list[str], names: list[str], settings: Settings | None = None
) -> list[dict[str, str]]:
    """Decode and keep each file (content-addressed, in staging): [{sha256, name}, …]."""
    staged = []
    for content, name in _files(contents, names):
        try:
            blob = base64.b64decode(content.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            blob = b""
        sha256 = hashlib.sha256(blob).hexdigest()
        path = _staged(sha256, settings)
        if not path.exists():
            tmp = path.with_name(f"{sha256}.{secrets.token_hex(4)}.tmp")
            tmp.write_bytes(blob)
            tmp.replace(path)
        staged.append({"sha256": sha256, "name": clean_text(name)})
    return staged


def check_staged(
    queue: list[dict[str, str]],
    engine: Engine,
    account: accounts.Account | None,
    settings: Settings,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Check each staged file without storing it (the dry run of the upload path)."""
    items = []
    for n, entry in enumerate(queue, start=1):
        if progress is not None:
            progress(n - 1, len(queue), f"Đang kiểm tra tệp {n}/{len(queue)}: {entry['name']}")
        blob = _staged(entry["sha256"], settings).read_bytes()
        result = service.ingest_as(engine, blob, entry["name"], account, settings, dry_run=True)
        _keep_checked(result, account, settings)
        kept = service.kept_choices(engine, result.layouts, account)
        items.append(_as_item(result, entry["sha256"], kept))
    return items


def check_upload(contents: list[str], names: list[str]) -> list[dict[str, Any]]:
    """Stage and check the files in this request (the signed-in account, the app's engine)."""
    settings = context.settings()
    queue = stage_files(contents, names, settings)
    return check_staged(queue, context.engine(), context.account(), settings)


def on_upload(contents: list[str] | None, names: list[str] | None) -> tuple[Any, Any, Any]:
    """The whole check in one call (what the background job returns, without the job)."""
    if not contents:
        return no_update, no_update, no_update
    items = check_upload(contents, names or [])
    return make_results(items), items, None


@callback(
    Output(ids.UP_RESULTS, "children", allow_duplicate=True),
    Output(ids.UP_STAGED, "data", allow_duplicate=True),
    Output(ids.UP_CONFIRMED, "children", allow_duplicate=True),
    Input(ids.UP_UPLOAD, "contents"),
    State(ids.UP_UPLOAD, "filename"),
    prevent_initial_call=True,
)
def on_files(contents: list[str] | None, names: list[str] | None) -> tuple[Any, Any, Any]:
    """Keep the dropped files (fast: decode, hash, write). One small file (INLINE_CHECK_BYTES,
    a typical return: tens of milliseconds to check) is checked here and its result shown at
    once; otherwise the last results are cleared and putting the list into the queue store
    starts the background check below, with its progress. web/policy.py refuses both
    callbacks to accounts that may not upload (their outputs are protected above)."""
    if not _files(contents, names):
        return no_update, no_update, no_update
    settings = context.settings()
    queue = stage_files(contents, names, settings)
    if len(queue) == 1 and _staged(queue[0]["sha256"], settings).stat().st_size <= (
        INLINE_CHECK_BYTES
    ):
        items = check_staged(queue, context.engine(), context.account(), settings)
        return make_results(items), items, None
    set_props(UP_QUEUE, {"data": queue})
    return [], None, None


@callback(
    Output(ids.UP_STAGED, "data"),
    Output(ids.UP_RESULTS, "children"),
    Output(ids.UP_CONFIRMED, "children", allow_duplicate=True),
    Input(UP_QUEUE, "data"),
    **background.progress_options(UP_PROGRESS_PREFIX, busy=[ids.UP_UPLOAD]),
    prevent_initial_call=True,
)
def check_in_background(
    set_progress: Callable[[tuple[int, int, str]], None], queue: list[dict[str, str]] | None
) -> tuple[Any, Any, Any]:
    """The background job: outside the request, so it opens its own engine and loads the
    account that started it (web/policy.py refused non-uploaders before it started)."""
    if not queue:
        return no_update, no_update, no_update
    job = background.current_job()
    engine = job.engine()
    try:
        account = job.account(engine)
        if account is None or not account.may("upload"):
            message = "Tài khoản này không có quyền nộp báo cáo."
            return None, context.forbidden(message), None
        items = check_staged(
            queue,
            engine,
            account,
            job.settings,
            lambda done, total, text: set_progress((done, total, text)),
        )
    finally:
        engine.dispose()
    return items, make_results(items), None


@callback(
    Output(ids.UP_CONFIRMED, "children"),
    Output(ids.UP_RESULTS, "children", allow_duplicate=True),
    Output(ids.UP_SUBMITTED, "children"),
    Input(ids.UP_CONFIRM, "n_clicks"),
    State(ids.UP_STAGED, "data"),
    prevent_initial_call=True,
)
def on_confirm(n_clicks: int | None, items: list[dict[str, Any]] | None) -> tuple[Any, Any, Any]:
    """Store the checked files; they wait for the Department's review before they count."""
    items = _staged_items(items)
    if not n_clicks or not items:
        return no_update, no_update, no_update
    settings, account = context.settings(), context.account()
    stored = []
    for item in items:
        if item["status"] != IngestStatus.CHECKED or not SHA256.fullmatch(item["sha256"]):
            continue
        path = _staged(item["sha256"], settings)
        if not path.exists():
            continue
        blob = path.read_bytes()
        given = item.get("mapping") if item.get("mapping_source") == "given" else None
        # the check's read, used only if the file hashes to the same sha256 (ingest_bytes)
        checked = _kept_checked(item["sha256"], account, given, settings)
        result = service.ingest_as(
            context.engine(), blob, item["file_name"], account, settings, mapping=given,
            checked=checked,
        )  # fmt: skip
        if result.status == IngestStatus.ACCEPTED:
            _checked_path(item["sha256"], account, given, settings).unlink(missing_ok=True)
        stored.append(_as_item(result, item["sha256"]))
    saved = sum(1 for s in stored if s["status"] in (IngestStatus.ACCEPTED, IngestStatus.DUPLICATE))
    message = html.Div(
        [
            html.Strong(f"Đã nhận {fmt_number(saved)} tệp, đang chờ Sở Nội vụ duyệt. "),
            "Số liệu chỉ được tính sau khi báo cáo được duyệt; "
            "trạng thái và nhận xét xem ở mục «Báo cáo đã nộp» dưới đây.",
        ],
        className="notice ok",
        **{"data-testid": "upload-saved"},
    )
    return message, make_results(stored), submitted_panel()


@callback(
    Output(ids.UP_DOWNLOAD, "data"),
    Input({"role": "annotate", "index": ALL}, "n_clicks"),
    State(ids.UP_STAGED, "data"),
    prevent_initial_call=True,
)
def on_annotate(clicks: list[int | None], items: list[dict[str, Any]] | None) -> Any:
    items = _staged_items(items)
    index = (ctx.triggered_id or {}).get("index") if isinstance(ctx.triggered_id, dict) else None
    if not items or not any(clicks) or not isinstance(index, int) or not 0 <= index < len(items):
        return no_update
    item = items[index]
    from etl.core.problems import Problem

    path = _staged(item["sha256"]) if SHA256.fullmatch(item["sha256"]) else None
    try:
        problems = [Problem(**p) for p in item.get("problems", [])]
    except TypeError:  # not problems this page made
        return no_update
    if path is None or not path.exists():
        return no_update
    marked = annotate(path.read_bytes(), problems, item["file_name"])
    if marked is None:
        return no_update
    stem = Path(item["file_name"]).stem or "bao_cao"
    suffix = ".xlsm" if item["file_name"].lower().endswith(".xlsm") else ".xlsx"
    return dcc.send_bytes(marked, f"{stem}_danh_dau_loi{suffix}")


@callback(
    Output(ids.UP_RESULTS, "children", allow_duplicate=True),
    Output(ids.UP_STAGED, "data", allow_duplicate=True),
    Output(ids.UP_CONFIRMED, "children", allow_duplicate=True),
    Input({"role": MAP_PREVIEW, "index": ALL}, "n_clicks"),
    State({"role": MAP_TARGET, "index": ALL, "sheet": ALL, "col": ALL}, "value"),
    State({"role": MAP_TARGET, "index": ALL, "sheet": ALL, "col": ALL}, "id"),
    State(ids.UP_STAGED, "data"),
    prevent_initial_call=True,
)
def on_map_preview(
    clicks: list[int | None],
    values: list[Any],
    targets: list[Any],
    items: list[dict[str, Any]] | None,
) -> tuple[Any, Any, Any]:
    """«Xem trước với cách ghép này»: the file checked again with the dropdowns' mapping (a
    dry run, as the first check), its problems and preview shown in place."""
    trigger = ctx.triggered_id
    if not any(clicks or []) or not isinstance(items, list) or not isinstance(trigger, dict):
        return no_update, no_update, no_update
    index = trigger.get("index")
    if not isinstance(index, int) or not 0 <= index < len(items):
        return no_update, no_update, no_update
    item = items[index]
    chosen = [
        (t.get("sheet"), t.get("col"), v)
        for t, v in zip(targets or [], values or [], strict=False)
        if isinstance(t, dict) and t.get("index") == index
        and isinstance(t.get("sheet"), int) and isinstance(t.get("col"), int)
    ]  # fmt: skip
    mapping = mapping_from(layouts_of(item), chosen)
    try:
        blob = _staged(item.get("sha256")).read_bytes()
    except (ValueError, OSError):
        return no_update, no_update, no_update
    engine, account, settings = context.engine(), context.account(), context.settings()
    name = clean_text(item.get("file_name")) or "tệp"
    result = service.ingest_as(
        engine, blob, name, account, settings, dry_run=True, mapping=mapping or None
    )
    _keep_checked(result, account, settings)
    kept = service.kept_choices(engine, result.layouts, account)
    items = [*items[:index], _as_item(result, item["sha256"], kept), *items[index + 1 :]]
    return make_results(items), items, None

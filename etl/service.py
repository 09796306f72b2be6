"""What the CLI, the app and the API share: open a database, ingest files, compute a summary."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from etl.core.settings import Settings, load_settings
from etl.ingest.load import IngestResult, ingest_bytes, ingest_many
from etl.measures import metrics, query
from etl.storage import accounts, db


class ScopeNotFound(ValueError):
    """The scope text names no unit, district, sector or kind."""


class SchemaNotCurrent(RuntimeError):
    """The database has no schema yet, or an older one: migrating is a step of its own."""


SCHEMA_NOT_CURRENT = (
    "Cơ sở dữ liệu chưa có lược đồ mới nhất: chạy `make migrate` (python -m etl migrate)."
)


def _make_engine(url: str | None, settings: Settings | None) -> Engine:
    settings = settings or load_settings()
    return db.make_engine(
        url or settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )


def open_engine(url: str | None = None, settings: Settings | None = None) -> Engine:
    """An engine on `url` (default: settings) whose schema is the latest; never migrates.
    `SchemaNotCurrent` (its message says what to run) when the schema is missing or behind."""
    engine = _make_engine(url, settings)
    if not db.schema_is_current(engine):
        engine.dispose()
        raise SchemaNotCurrent(SCHEMA_NOT_CURRENT)
    return engine


def migrate(url: str | None = None, settings: Settings | None = None) -> None:
    """Create or upgrade the schema of `url` (default: settings) to the latest migration."""
    engine = _make_engine(url, settings)
    try:
        db.migrate(engine)
    finally:
        engine.dispose()


def ingest_files(
    engine: Engine,
    paths: list[Path],
    settings: Settings | None = None,
    uploader: str = "cli",
    *,
    audited: bool = False,
) -> list[IngestResult]:
    """Ingest each file on its own (one transaction each), in the order given; the next
    files are read and checked in child processes while one is stored (`ingest_many`).
    `audited`: each file goes to the audit log as `ingest_as` writes it, by `uploader`."""
    settings = settings or load_settings()
    results = []
    for result in ingest_many(
        engine,
        [(Path(path).name, Path(path).read_bytes) for path in paths],
        uploads_dir=settings.uploads_dir,
        uploader=uploader,
        max_upload_bytes=settings.max_upload_bytes,
        on_store=_audit_stored(uploader) if audited else None,
    ):
        if audited:
            _audit_not_stored(engine, uploader, result)
        results.append(result)
    return results


def ingest_as(
    engine: Engine,
    content: bytes,
    file_name: str,
    account: accounts.Account | None,
    settings: Settings | None = None,
    *,
    dry_run: bool = False,
) -> IngestResult:
    """An upload by a signed-in account (or the CLI when None): scoped to the account's units,
    and written to the audit log (accepted, refused, duplicate, with supersessions)."""
    settings = settings or load_settings()
    actor = account.username if account else "cli"
    result = ingest_bytes(
        engine,
        content,
        file_name,
        uploads_dir=settings.uploads_dir,
        uploader=actor,
        max_upload_bytes=settings.max_upload_bytes,
        dry_run=dry_run,
        allowed_units=account.allowed_units if account else None,
        on_store=_audit_stored(actor),
    )
    if not dry_run:
        _audit_not_stored(engine, actor, result)
    return result


def _audit_stored(actor: str) -> Callable[[Connection, IngestResult], None]:
    """The audit entry of an accepted upload, written in its own transaction (`on_store`)."""

    def audit(conn: Connection, stored: IngestResult) -> None:
        detail = {
            "sha256": stored.sha256,
            "submission_id": stored.submission_id,
            "counts": stored.counts,
            "superseded": db.superseded_count(conn, stored.submission_id),
        }
        accounts.audit(conn, actor, "upload.accepted", stored.file_name, detail)

    return audit


def _audit_not_stored(engine: Engine, actor: str, result: IngestResult) -> None:
    """The audit entry of a refused or duplicate upload (nothing stored); none otherwise."""
    if result.status == "accepted":
        return
    detail = {
        "sha256": result.sha256,
        "submission_id": result.submission_id,
        "errors": [f"{p.where} {p.code}" for p in result.errors][:50],
    }
    accounts.audit_now(engine, actor, f"upload.{result.status}", result.file_name, detail)


def load_dataset(engine: Engine, previous: metrics.Dataset | None = None) -> metrics.Dataset:
    """The stored figures as a `Dataset` (with its data version), read in one snapshot.

    With `previous` (a Dataset of this database): when only new submissions were stored since
    its version, only their rows are read and the Dataset is derived from `previous`, equal to
    a full load; anything else (a deletion, an edit, a migration) loads everything."""
    since = previous.version if previous is not None else None
    snapshot = db.read_snapshot(engine, since=db.DataVersion(*since) if since else None)
    if snapshot.since is not None and previous is not None:
        if snapshot.version == tuple(since or ()):
            return previous
        return metrics.refresh_dataset(previous, snapshot.frames, snapshot.version)
    return metrics.build_dataset(snapshot.frames, snapshot.version)


def default_as_of(engine: Engine) -> dt.date:
    """The latest `Số liệu tính đến ngày` among stored returns, else today."""
    latest = db.latest_as_of(engine)
    if isinstance(latest, str):
        latest = dt.date.fromisoformat(latest)
    return latest or dt.date.today()


def summary(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    scope: str | None = None,
    include_pending: bool = True,
) -> dict[str, Any]:
    """The summary JSON for a scope and cut-off (defaults: whole city, latest return)."""
    ds = load_dataset(engine)
    flt = metrics.resolve_scope(ds, scope)
    if flt is None:
        raise ScopeNotFound(scope)
    return metrics.summary(ds, as_of or default_as_of(engine), flt, include_pending=include_pending)


class DatasetCache:
    """The stored tables as a `Dataset`, rebuilt only when the data version changes.

    The version (`db.data_version`: the latest submission and the latest logged change) is
    read from the database on every call, so every worker process sees an accepted upload at
    once. After new uploads only their rows are read (`load_dataset` with the previous
    Dataset); anything else reloads everything. One thread of the process rebuilds while the
    others wait for its result. The cache itself is per process and lives on the app object,
    not in a module global.
    """

    def __init__(self) -> None:
        self._dataset: metrics.Dataset | None = None
        self._lock = threading.Lock()

    def get(self, engine: Engine) -> metrics.Dataset:
        version = db.data_version(engine)
        dataset = self._dataset
        if dataset is not None and dataset.version == version:
            return dataset
        with self._lock:
            dataset = self._dataset
            if dataset is None or dataset.version != version:
                dataset = load_dataset(engine, previous=dataset)
                self._dataset = dataset
            return dataset


def view_summary(
    engine: Engine, ds: metrics.Dataset, view: query.View
) -> tuple[dict[str, Any], metrics.Filter, dt.date]:
    """The summary for a dashboard/API view: (summary, filter, cut-off)."""
    flt = query.view_filter(ds, view)
    as_of = view.as_of or default_as_of(engine)
    return (
        metrics.summary(ds, as_of, flt, include_pending=view.include_pending),
        flt,
        as_of,
    )

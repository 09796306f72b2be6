"""What the CLI, the app and the API share: open a database, ingest files, compute a summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from . import db, metrics
from .load import IngestResult, ingest_path
from .settings import Settings, load_settings


class ScopeNotFound(ValueError):
    """The scope text names no unit, district, sector or kind."""


def open_engine(url: str | None = None, settings: Settings | None = None) -> Engine:
    """An engine on `url` (default: settings), with the schema migrated to the latest."""
    settings = settings or load_settings()
    engine = db.make_engine(
        url or settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    db.migrate(engine)
    return engine


def ingest_files(
    engine: Engine, paths: list[Path], settings: Settings | None = None, uploader: str = "cli"
) -> list[IngestResult]:
    """Ingest each file on its own (one transaction each), in the order given."""
    settings = settings or load_settings()
    return [
        ingest_path(
            engine,
            path,
            uploads_dir=settings.uploads_dir,
            uploader=uploader,
            max_upload_bytes=settings.max_upload_bytes,
        )
        for path in paths
    ]


def load_dataset(engine: Engine) -> metrics.Dataset:
    return metrics.build_dataset(db.read_tables(engine))


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

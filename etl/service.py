"""What the CLI, the app and the API share: open a database, ingest files, compute a summary."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from etl.core.clock import vn_today
from etl.core.settings import Settings, load_settings
from etl.core.vocabulary import IngestStatus, ReviewStatus
from etl.ingest import load
from etl.ingest.load import CheckedRead, IngestResult, ingest_bytes, ingest_many
from etl.measures import metrics, query
from etl.measures.cache import load_dataset
from etl.measures.dataset import Dataset
from etl.reading.limits import Limits
from etl.reading.mapping import Mapping, SheetLayout
from etl.storage import accounts, db, periods, review_reads, reviews


class ScopeNotFound(ValueError):
    """The scope text names no unit, district, sector or kind."""


class ProgrammeNotFound(ValueError):
    """The programme text names no stored programme (giai đoạn)."""


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
    approve: bool = False,
    mapping: Mapping | None = None,
) -> list[IngestResult]:
    """Ingest each file on its own (one transaction each), in the order given; the next
    files are read and checked in child processes while one is stored (`ingest_many`).
    `audited`: each file goes to the audit log as `ingest_as` writes it, by `uploader`.
    `approve`: each stored file is approved at once by `uploader` (the operator's
    `etl ingest --approve`); otherwise it waits for review like any upload. `mapping`: how
    to read header cells the reader cannot place (`etl ingest --mapping`), for every file."""
    settings = settings or load_settings()
    results = []
    for result in ingest_many(
        engine,
        [(Path(path).name, Path(path).read_bytes) for path in paths],
        uploads_dir=settings.uploads_dir,
        uploader=uploader,
        max_upload_bytes=settings.max_upload_bytes,
        limits=Limits.from_settings(settings),
        on_store=_audit_stored(uploader) if audited else None,
        approve=approve,
        as_of_grace_days=settings.as_of_grace_days,
        mapping=mapping,
        province=settings.province,
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
    approve: bool = False,
    mapping: Mapping | None = None,
    checked: CheckedRead | None = None,
) -> IngestResult:
    """An upload by a signed-in account (or the CLI when None): scoped to the account's units,
    and written to the audit log (accepted, refused, duplicate, with supersessions). It waits
    for review, unless `approve` (approved at once by the same actor). A `dry_run` (the upload
    page's check) stores nothing and writes the audit entry of a refused or duplicate file
    (`check: true`), so a refusal in the browser is audited like one through the API; a file
    it passes is audited when it is stored. `mapping`: the clerk's mapping of header cells
    (the upload page's mapping step), kept when the file is stored. `checked`: the read of
    the dry run of the same file (`IngestResult.checked`), so it is not read again."""
    settings = settings or load_settings()
    actor = account.username if account else "cli"
    result = ingest_bytes(
        engine,
        content,
        file_name,
        uploads_dir=settings.uploads_dir,
        uploader=actor,
        max_upload_bytes=settings.max_upload_bytes,
        limits=Limits.from_settings(settings),
        dry_run=dry_run,
        allowed_units=account.allowed_units if account else None,
        on_store=_audit_stored(actor),
        approve=approve,
        as_of_grace_days=settings.as_of_grace_days,
        mapping=mapping,
        checked=checked,
    )
    if result.status != IngestStatus.CHECKED:  # a dry run that passes is audited when stored
        _audit_not_stored(engine, actor, result, check=dry_run)
    return result


def kept_choices(
    engine: Engine, layouts: list[SheetLayout], account: accounts.Account | None
) -> Mapping:
    """What the kept mappings of each sheet's reporting unit say of its header cells (offered
    on the upload page when they do not cover the sheet by themselves)."""
    return load.kept_choices(engine, layouts, account.username if account else "cli")


def _audit_stored(actor: str) -> Callable[[Connection, IngestResult], None]:
    """The audit entry of an accepted upload, written in its own transaction (`on_store`)."""

    def audit(conn: Connection, stored: IngestResult) -> None:
        detail = {
            "sha256": stored.sha256,
            "submission_id": stored.submission_id,
            "counts": stored.counts,
            "superseded": db.superseded_count(conn, stored.submission_id),
            "period": stored.period,
            "review_status": stored.review_status,
            "approved": stored.review_status == ReviewStatus.DA_DUYET,
        }
        if stored.original_name is not None:
            detail["file_name_sent"] = stored.original_name
        accounts.audit(conn, actor, "upload.accepted", stored.file_name, detail)

    return audit


def _audit_not_stored(
    engine: Engine, actor: str, result: IngestResult, *, check: bool = False
) -> None:
    """The audit entry of a refused or duplicate upload (nothing stored); none otherwise.
    It names the file, its sha256 and the reasons (problem codes, and where), never a figure
    nor a cell's value; `check`: the upload page's check, before any confirmation."""
    if result.status in (IngestStatus.ACCEPTED, IngestStatus.CHECKED):
        return
    detail: dict[str, Any] = {
        "sha256": result.sha256,
        "submission_id": result.submission_id,
        "codes": sorted({p.code for p in result.errors}),
        "errors": [f"{p.where} {p.code}" for p in result.errors][:50],
    }
    if result.original_name is not None:
        detail["file_name_sent"] = result.original_name
    if check:
        detail["check"] = True
    accounts.audit_now(engine, actor, f"upload.{result.status}", result.file_name, detail)


# The sample city's periods (`etl demo`, `make run`, the tests' sample app): name, cut-off
# date, deadline, and whether it is closed once its returns are approved
SAMPLE_PERIODS = (
    ("Năm 2023", dt.date(2023, 12, 31), dt.date(2024, 1, 15), True),
    ("6 tháng đầu năm 2024", dt.date(2024, 6, 30), dt.date(2024, 7, 15), False),
)
# The second sample's (`etl demo --set 2026`; docs/domain.md, "Second sample (2026)"): the
# former provinces' last returns, the new city's first ones, its mid-year ones.
SAMPLE_2026_PERIODS = (
    ("Năm 2024", dt.date(2024, 12, 31), dt.date(2025, 1, 15), True),
    ("Năm 2025", dt.date(2025, 12, 31), dt.date(2026, 1, 15), True),
    ("6 tháng đầu năm 2026", dt.date(2026, 6, 30), dt.date(2026, 7, 15), False),
)
# The sample sets by name: the folder of data/ holding the files, and their periods.
SAMPLE_SETS: dict[str, tuple[str, tuple[tuple[str, dt.date, dt.date, bool], ...]]] = {
    "2024": ("sample", SAMPLE_PERIODS),
    "2026": ("sample_2026", SAMPLE_2026_PERIODS),
}
# The province each sample set is of, used as `PROVINCE` when the setting names none: the
# merged city's returns before the merger name their former province on the letterhead, read
# only once the deployment knows its own (docs/domain.md, "Provinces and mergers").
SAMPLE_PROVINCES = {"2024": "", "2026": "Thành phố Cần Thơ"}
DEFAULT_SAMPLE_SET = "2024"


def sample_dir(settings: Settings, sample_set: str = DEFAULT_SAMPLE_SET) -> Path:
    """The folder of a sample set's files (data/sample, data/sample_2026)."""
    return settings.sample_dir.with_name(SAMPLE_SETS[sample_set][0])


def load_sample(
    engine: Engine,
    settings: Settings | None = None,
    actor: str = "demo",
    sample_set: str = DEFAULT_SAMPLE_SET,
) -> list[IngestResult]:
    """A sample set (the sample city, or with `sample_set="2026"` the merged city) through
    the ordinary paths: its periods, its files ingested (each waiting for review), each
    approved by `actor` through the review path, then the periods before the last closed.
    Periods that exist already are kept; files stored already are duplicates (and are not
    reviewed again)."""
    settings = settings or load_settings()
    if not settings.province and SAMPLE_PROVINCES[sample_set]:
        settings = dataclasses.replace(settings, province=SAMPLE_PROVINCES[sample_set])
    _folder, sample_periods = SAMPLE_SETS[sample_set]
    files = sorted(sample_dir(settings, sample_set).glob("*.xlsx"))
    with engine.begin() as conn:
        for name, as_of, deadline, _closed in sample_periods:
            if periods.find_for_as_of(conn, as_of) is None:
                periods.add(conn, name=name, as_of=as_of, deadline=deadline, actor=actor)
    results = ingest_files(engine, files, settings, actor)
    with engine.begin() as conn:
        for result in results:
            if result.status == IngestStatus.ACCEPTED and result.submission_id is not None:
                reviews.approve(conn, result.submission_id, actor)
                result.review_status = ReviewStatus.DA_DUYET
        for _name, as_of, _deadline, closed in sample_periods:
            period = periods.find_for_as_of(conn, as_of)
            if closed and period is not None and period.is_open:
                periods.close(conn, period.id, actor)
    return results


def default_as_of(engine: Engine) -> dt.date:
    """The default cut-off: the latest closed period, or the latest open period holding an
    approved return; without such a period, the latest cut-off among approved returns; else
    today. Never the date of a return still waiting for review (nor of a returned one)."""
    with db.reading(engine) as conn:
        cut_off = periods.default_cut_off(conn)
        if cut_off is None:
            cut_off = review_reads.latest_approved_as_of(conn)
    return cut_off or vn_today()


def summary(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    scope: str | None = None,
    include_pending: bool = True,
    include_unreviewed: bool = False,
    commune: str | None = None,
    province: str | None = None,
    programme: str | None = None,
) -> dict[str, Any]:
    """The summary JSON for a scope and cut-off (defaults: whole city, the default cut-off),
    of approved returns only unless `include_unreviewed` (then waiting ones too), against
    `programme` (default: the one at the cut-off, docs/domain.md "Programme targets");
    `commune` narrows it to one commune (docs/domain.md, "Communes"), `province` to a former
    province's share of it (docs/domain.md, "Provinces and mergers"). ScopeNotFound (args:
    the scope, the message, Vietnamese first) when the scope, commune or province names
    nothing; ProgrammeNotFound when the programme names none."""
    view = query.View(
        as_of=as_of,
        scope=scope,
        province=province,
        include_pending=include_pending,
        include_unreviewed=include_unreviewed,
        commune=commune,
        programme=programme,
    )
    ds = load_dataset(engine, figures=view.figures)
    try:
        resolved = resolve_view(engine, ds, view)
    except query.BadParameter as exc:
        if getattr(exc, "field", None) == "programme":
            raise ProgrammeNotFound(programme) from None
        raise ScopeNotFound(scope, str(exc)) from None
    return summary_of(ds, resolved)


def resolve_view(
    engine: Engine, ds: Dataset, view: query.View, *, lenient: bool = False
) -> query.ResolvedView:
    """A dashboard/API/CLI view resolved (the latest return's date when it names no cut-off);
    BadParameter when a filter value names nothing, unless `lenient` (the dashboard: such a
    value is left out and listed in `unmatched`)."""
    return query.resolve_view(ds, view, lambda: default_as_of(engine), lenient=lenient)


def summary_of(ds: Dataset, view: query.ResolvedView) -> dict[str, Any]:
    """The summary JSON of a resolved view, saying which figures it counts (`figures`:
    "approved", or "all" with the returns waiting for review)."""
    summary = metrics.summary(
        ds,
        view.as_of,
        view.filter,
        include_pending=view.include_pending,
        programme=view.programme,
    )
    return {**summary, "figures": ds.figures}


def dataset_for(engine: Engine, ds: Dataset | None, view: query.View) -> Dataset:
    """`ds` when it holds the figures `view` asks for, else those read from `engine` (a
    caller that keeps a `DatasetCache` passes `cache.get(engine, figures=view.figures)`)."""
    if ds is not None and ds.figures == view.figures:
        return ds
    return load_dataset(engine, figures=view.figures)


def view_summary(
    engine: Engine, ds: Dataset, view: query.View
) -> tuple[dict[str, Any], query.ResolvedView]:
    """The summary for a dashboard/API view, and the view resolved (from the figures the view
    asks for: `ds` when it holds them)."""
    ds = dataset_for(engine, ds, view)
    resolved = resolve_view(engine, ds, view)
    return summary_of(ds, resolved), resolved

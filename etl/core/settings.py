"""Named settings, from the environment, with units in their names. One project root.

Every environment variable the product reads is a field of `Settings`, read in
`load_settings` and nowhere else (tests/test_settings.py checks this against the code and
README's Configuration table). The parsing limits (PARSE_*) are fields too, in the units of
their variables; the reader gets them as `etl.reading.limits.Limits.from_settings(settings)`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _variable(name: str, *, secret: bool = False) -> dict[str, Any]:
    """A field's metadata: the environment variable it comes from; a secret is kept out of
    reprs and out of what a background job is handed."""
    return {"env": name, "secret": secret}


@dataclass(frozen=True)
class Settings:
    """Everything the product reads from the environment, in one place."""

    database_url: str = field(metadata=_variable("DATABASE_URL"))
    data_dir: Path = field(metadata=_variable("DATA_DIR"))
    host: str = field(metadata=_variable("HOST"))
    port: int = field(metadata=_variable("PORT"))
    max_upload_bytes: int = field(metadata=_variable("MAX_UPLOAD_BYTES"))
    sqlite_busy_timeout_ms: int = field(metadata=_variable("SQLITE_BUSY_TIMEOUT_MS"))
    # the first administrator, created on the first start (web/bootstrap.py)
    admin_user: str = field(default="admin", metadata=_variable("ADMIN_USER"))
    admin_password: str | None = field(
        default=None, repr=False, metadata=_variable("ADMIN_PASSWORD", secret=True)
    )
    # signs sessions; None: the one kept under DATA_DIR (web/auth.py:secret_key)
    secret_key: str | None = field(
        default=None, repr=False, metadata=_variable("SECRET_KEY", secret=True)
    )
    # None ("auto"): Secure cookies unless serving on loopback
    session_cookie_secure: bool | None = field(
        default=None, metadata=_variable("SESSION_COOKIE_SECURE")
    )
    browser_path: str | None = field(default=None, metadata=_variable("BROWSER_PATH"))
    # background jobs on Celery with Redis; None: subprocesses with a diskcache
    redis_url: str | None = field(
        default=None, repr=False, metadata=_variable("REDIS_URL", secret=True)
    )
    web_workers: int = field(default=2, metadata=_variable("WEB_CONCURRENCY"))
    threads_per_worker: int = field(default=4, metadata=_variable("GUNICORN_THREADS"))
    # a return's cut-off date may lie this many days after today (Vietnam time), no more
    as_of_grace_days: int = field(default=15, metadata=_variable("AS_OF_GRACE_DAYS"))
    # what an uploaded file may ask of the reader (etl/reading/limits.py): positive numbers,
    # in the units of their variables (a float default: fractions are kept)
    parse_max_file_mb: float = field(default=50.0, metadata=_variable("PARSE_MAX_FILE_MB"))
    parse_max_zip_entries: int = field(default=2_000, metadata=_variable("PARSE_MAX_ZIP_ENTRIES"))
    # declared, all zip entries together
    parse_max_uncompressed_mb: float = field(
        default=200.0, metadata=_variable("PARSE_MAX_UNCOMPRESSED_MB")
    )
    # uncompressed : compressed, per zip entry bigger than a megabyte
    parse_max_ratio: float = field(default=100.0, metadata=_variable("PARSE_MAX_RATIO"))
    parse_max_rows: int = field(default=50_000, metadata=_variable("PARSE_MAX_ROWS"))
    parse_max_cols: int = field(default=1_000, metadata=_variable("PARSE_MAX_COLS"))
    # rows x columns of a sheet's used range
    parse_max_cells: int = field(default=5_000_000, metadata=_variable("PARSE_MAX_CELLS"))
    # under Excel's 32 767, where python-calamine cuts text
    parse_max_cell_chars: int = field(default=32_000, metadata=_variable("PARSE_MAX_CELL_CHARS"))
    parse_timeout_s: float = field(default=60.0, metadata=_variable("PARSE_TIMEOUT_S"))
    # address space of the reading child
    parse_memory_mb: float = field(default=1024.0, metadata=_variable("PARSE_MEMORY_MB"))
    # fork servers: files read at the same time (and read ahead by a bulk ingest)
    parse_workers: int = field(default=2, metadata=_variable("PARSE_WORKERS"))
    # reminders by e-mail (etl/notify/mail.py): smtp://user:pass@host:587?starttls=1,
    # smtps://host:465; None: no e-mail, the Excel list only
    smtp_url: str | None = field(
        default=None, repr=False, metadata=_variable("SMTP_URL", secret=True)
    )
    mail_from: str = field(default="tgbc@localhost", metadata=_variable("MAIL_FROM"))
    # how many reverse proxies stand in front of the app (nginx: 1); their X-Forwarded-For
    # and X-Forwarded-Proto are believed only then (web/security.py); 0: ignored
    trusted_proxies: int = field(default=0, metadata=_variable("TRUSTED_PROXIES"))
    # the official report's letterhead and signature block (reporting/report_data.py:
    # Letterhead; Nghị định 30/2020/NĐ-CP, Phụ lục I): the governing body, the issuing body and
    # its short code in the document number (Số: …/BC-SNV), the place of the date line, the
    # recipients (separated by ";"), the signer's authority (empty when the head signs) and title
    # the deployment's own province (docs/domain.md, "Provinces and mergers"): its units, and
    # those of returns naming no province, are stored with province_key ""; empty: none named
    province: str = field(default="", metadata=_variable("PROVINCE"))
    # how a merged province's figures are made of its predecessors' (MERGER_BASELINE_RULES):
    # the default only, until an administrator stores a choice (etl.core.rules)
    merger_baseline_rule: str = field(
        default="tong_truoc_sap_nhap", metadata=_variable("MERGER_BASELINE_RULE")
    )
    report_authority: str = field(
        default="UBND THÀNH PHỐ CẦN THƠ", metadata=_variable("REPORT_AUTHORITY")
    )
    report_issuer: str = field(default="SỞ NỘI VỤ", metadata=_variable("REPORT_ISSUER"))
    report_issuer_code: str = field(default="SNV", metadata=_variable("REPORT_ISSUER_CODE"))
    report_place: str = field(default="Cần Thơ", metadata=_variable("REPORT_PLACE"))
    report_recipients: str = field(
        default="UBND thành phố (để b/c);Giám đốc Sở (để b/c);Lưu: VT, TCBC",
        metadata=_variable("REPORT_RECIPIENTS"),
    )
    report_signer_authority: str = field(
        default="KT. GIÁM ĐỐC", metadata=_variable("REPORT_SIGNER_AUTHORITY")
    )
    report_signer_title: str = field(
        default="PHÓ GIÁM ĐỐC", metadata=_variable("REPORT_SIGNER_TITLE")
    )

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def sample_dir(self) -> Path:
        return ROOT / "data" / "sample"

    @property
    def cache_dir(self) -> Path:
        """The background job cache (diskcache) when there is no Redis."""
        return self.data_dir / "cache"


# MERGER_BASELINE_RULE's values (docs/domain.md, "Provinces and mergers"): the successor's
# baseline is the sum of its predecessors' and a successor's figures are split between the
# former provinces in proportion to their baselines; or each unit merged across provinces
# counts wholly in the former province of the unit it merged into
MERGER_BASELINE_RULES = ("tong_truoc_sap_nhap", "theo_don_vi_tiep_nhan")


def _merger_rule(raw: str | None) -> str:
    rule = (raw or "").strip() or MERGER_BASELINE_RULES[0]
    if rule not in MERGER_BASELINE_RULES:
        raise ValueError(
            f"MERGER_BASELINE_RULE={rule!r} must be one of {', '.join(MERGER_BASELINE_RULES)}"
        )
    return rule


def variables() -> dict[str, str]:
    """Each environment variable the product reads → its field of `Settings`."""
    return {f.metadata["env"]: f.name for f in fields(Settings)}


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'tgbc.sqlite3'}"


def _flag(text: str | None) -> bool | None:
    """1/true/yes → True, 0/false/no → False, anything else (auto, unset) → None."""
    text = (text or "auto").lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    return None


def _limit(name: str, raw: str | None) -> float:
    """The parsing limit `name` (a field of `Settings`) from its variable's text: a positive,
    finite number, an int where the default is one; the default when unset or blank."""
    spec = next(f for f in fields(Settings) if f.name == name)
    var, default = spec.metadata["env"], spec.default
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a number") from None
    if not number > 0 or math.isinf(number):
        raise ValueError(f"{var}={raw!r} must be a positive number")
    return int(number) if isinstance(default, int) else number


def _count(var: str, raw: str | None) -> int:
    """A whole number ≥ 0 from a variable's text (0 when unset or blank); anything else is
    an error naming the variable."""
    raw = (raw or "").strip()
    if not raw:
        return 0
    if not raw.isdecimal() or len(raw) > 3:
        raise ValueError(f"{var}={raw!r} must be a whole number of proxies (0, 1, 2…)")
    return int(raw)


def _text(name: str, raw: str | None, *, blank: bool = False) -> str:
    """The field `name` from its variable's text, trimmed; its default when unset (or blank,
    unless `blank` is allowed: no recipients, or no authority when the head signs)."""
    if raw is None or (not raw.strip() and not blank):
        return next(f for f in fields(Settings) if f.name == name).default
    return raw.strip()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("DATA_DIR") or ROOT / "data")
    limits = {
        "parse_max_file_mb": env.get("PARSE_MAX_FILE_MB"),
        "parse_max_zip_entries": env.get("PARSE_MAX_ZIP_ENTRIES"),
        "parse_max_uncompressed_mb": env.get("PARSE_MAX_UNCOMPRESSED_MB"),
        "parse_max_ratio": env.get("PARSE_MAX_RATIO"),
        "parse_max_rows": env.get("PARSE_MAX_ROWS"),
        "parse_max_cols": env.get("PARSE_MAX_COLS"),
        "parse_max_cells": env.get("PARSE_MAX_CELLS"),
        "parse_max_cell_chars": env.get("PARSE_MAX_CELL_CHARS"),
        "parse_timeout_s": env.get("PARSE_TIMEOUT_S"),
        "parse_memory_mb": env.get("PARSE_MEMORY_MB"),
        "parse_workers": env.get("PARSE_WORKERS"),
    }
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(data_dir),
        data_dir=data_dir,
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8050")),
        max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        sqlite_busy_timeout_ms=int(env.get("SQLITE_BUSY_TIMEOUT_MS", "30000")),
        admin_user=env.get("ADMIN_USER") or "admin",
        admin_password=env.get("ADMIN_PASSWORD") or None,
        secret_key=env.get("SECRET_KEY") or None,
        session_cookie_secure=_flag(env.get("SESSION_COOKIE_SECURE")),
        browser_path=env.get("BROWSER_PATH") or None,
        redis_url=env.get("REDIS_URL") or None,
        web_workers=int(env.get("WEB_CONCURRENCY", "2")),
        threads_per_worker=int(env.get("GUNICORN_THREADS", "4")),
        as_of_grace_days=int(env.get("AS_OF_GRACE_DAYS") or "15"),
        smtp_url=(env.get("SMTP_URL") or "").strip() or None,
        mail_from=(env.get("MAIL_FROM") or "").strip() or "tgbc@localhost",
        trusted_proxies=_count("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES")),
        province=(env.get("PROVINCE") or "").strip(),
        merger_baseline_rule=_merger_rule(env.get("MERGER_BASELINE_RULE")),
        report_authority=_text("report_authority", env.get("REPORT_AUTHORITY")),
        report_issuer=_text("report_issuer", env.get("REPORT_ISSUER")),
        report_issuer_code=_text("report_issuer_code", env.get("REPORT_ISSUER_CODE")),
        report_place=_text("report_place", env.get("REPORT_PLACE")),
        report_recipients=_text("report_recipients", env.get("REPORT_RECIPIENTS"), blank=True),
        report_signer_authority=_text(
            "report_signer_authority", env.get("REPORT_SIGNER_AUTHORITY"), blank=True
        ),
        report_signer_title=_text("report_signer_title", env.get("REPORT_SIGNER_TITLE")),
        **{name: _limit(name, raw) for name, raw in limits.items()},
    )

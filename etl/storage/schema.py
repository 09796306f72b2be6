"""The database schema (SQLAlchemy Core). Alembic migrations under etl/storage/migrations follow it.

Facts are append-only: a later submission adds rows and the current value of a key is the
one from the latest accepted submission, so the history stays readable.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# A reporting period: the returns whose `Số liệu tính đến ngày` is its `as_of` belong to it.
period = Table(
    "period",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(160), nullable=False),
    Column("as_of", Date, nullable=False, unique=True),
    Column("deadline", Date, nullable=False),
    Column("state", String(10), nullable=False),  # mo | dong (PeriodState)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)

submission = Table(
    "submission",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("stored_path", String(255), nullable=False),
    Column("uploader", String(120), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reporting_unit", String(255)),
    Column("period", String(120)),
    Column("as_of", Date),
    Column("forms", String(40)),
    Column("problems", JSON, nullable=False),
    Column("period_id", Integer, ForeignKey("period.id")),
)
Index("ix_submission_period", submission.c.period_id)

# The review of each submission, append-only (triggers refuse UPDATE and DELETE, migration
# 0004): its status is the `status` of its row with the greatest id (ReviewStatus).
review = Table(
    "review",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), nullable=False),
    Column("status", String(12), nullable=False),  # cho_duyet | da_duyet | tra_lai
    Column("actor", String(120), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("comment", Text),
)
Index("ix_review_submission_id", review.c.submission_id, review.c.id)

unit = Table(
    "unit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), unique=True),
    # `code` case-folded (str.casefold, which can lengthen a letter up to three times), so
    # that matching looks a file's codes up in an index (etl/ingest/matching.py); NULL when
    # the unit has no code
    Column("code_key", String(120)),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255), nullable=False),
    Column("loose_key", String(255), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("level", String(10), nullable=False),
    Column("district", String(120)),
    Column("district_key", String(120), nullable=False, default=""),
    # the commune of a commune-level body (docs/domain.md, "Communes"); "" for none
    Column("commune", String(120)),
    Column("commune_key", String(120), nullable=False, default="", server_default=""),
    Column("parent", String(255)),
    Column("sector", String(120)),
    Column("autonomy", String(20)),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("created_by", Integer, ForeignKey("submission.id"), nullable=False),
    # the province the unit was of (docs/domain.md, "Provinces and mergers"): its display name,
    # and its key ("": the deployment's own province, or none written); part of its identity
    Column("province", String(120)),
    Column("province_key", String(120), nullable=False, server_default=""),
    UniqueConstraint(
        "name_key", "district_key", "commune_key", "province_key", name="uq_unit_identity"
    ),
)
# with the district: a district's names looked up among its units (migration 0013)
Index("ix_unit_loose_key_district", unit.c.loose_key, unit.c.district_key)
Index("ix_unit_code_key", unit.c.code_key)
Index("ix_unit_created_by", unit.c.created_by)

# A unit attribute a return sets (append-only): ingest writes these rows instead of updating
# `unit`, so that a return waiting for review changes no unit a viewer sees. A unit's
# attributes are its row overlaid with the revisions of the submissions shown, in submission
# order (the later return wins; `sector_if_empty` sets the sector only while it is empty):
# `etl.measures.dataset.overlay_revisions`. Fields: parent | sector | autonomy (Biểu 01/02
# rows), valid_from | valid_to | sector_if_empty (Biểu 03 events); dates as ISO text.
unit_revision = Table(
    "unit_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("field", String(20), nullable=False),
    Column("value", String(255)),
    Column("sheet", String(120), nullable=False),
    Column("cell", String(20), nullable=False),
)
Index("ix_unit_revision_submission", unit_revision.c.submission_id)
Index("ix_unit_revision_unit", unit_revision.c.unit_id, unit_revision.c.field)

fact = Table(
    "fact",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    # measure: cong_chuc | nguoi_lam_viec; status: assigned | pending | norm | present | streamlined
    Column("measure", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Integer, nullable=False),
    Column("sheet", String(120), nullable=False),
    Column("cell", String(20), nullable=False),
)
Index("ix_fact_key", fact.c.unit_id, fact.c.measure, fact.c.status, fact.c.year)
Index("ix_fact_submission", fact.c.submission_id)

job_position = Table(
    "job_position",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("status", String(40), nullable=False),
    Column("note", Text),
    Column("as_of", Date),
    Column("sheet", String(120), nullable=False),
    Column("cell", String(20), nullable=False),
)
Index("ix_job_position_unit", job_position.c.unit_id)
Index("ix_job_position_submission", job_position.c.submission_id)

event = Table(
    "event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), nullable=False),
    Column("natural_key", String(64), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("doc_ref", String(255)),
    Column("unit_kind", String(40)),
    Column("sector", String(120)),
    Column("internal_phong", Integer, nullable=False, default=0),
    Column("internal_khoa", Integer, nullable=False, default=0),
    Column("internal_chi_nhanh", Integer, nullable=False, default=0),
    Column("internal_khac", Integer, nullable=False, default=0),
    Column("note", Text),
    Column("sheet", String(120), nullable=False),
    Column("cell", String(20), nullable=False),
    # a row recording the end of a district's level (Biểu 03 `Loại đơn vị` = `Quận, huyện`):
    # the district as written and its key; its before units are derived when read
    # (docs/domain.md, "The end of the district level")
    Column("district", String(120)),
    Column("district_key", String(120)),
    # a merger of provinces (unit_kind `tinh_thanh_pho`, no event_unit rows): {"before":
    # [[name, key], …], "after": [name, key]}; NULL for every other event
    Column("provinces", JSON),
)
Index("ix_event_natural_key", event.c.natural_key)
Index("ix_event_submission", event.c.submission_id)

event_unit = Table(
    "event_unit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("event.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("role", String(10), nullable=False),  # before | after
)
Index("ix_event_unit_event", event_unit.c.event_id)

lineage = Table(
    "lineage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("event.id"), nullable=False),
    Column("predecessor_id", Integer, ForeignKey("unit.id"), nullable=False),
    Column("successor_id", Integer, ForeignKey("unit.id"), nullable=False),
)

# A programme (giai đoạn) of targets: docs/domain.md, "Programme targets". Created by the
# first Biểu 00 that names it (or by the migration from the plan rows stored before), changed
# only by an administrator's edit (etl/storage/programmes.py), which is an approved submission
# of its own: `submission_id` is the return that created or last changed it.
programme = Table(
    "programme",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("basis", String(255)),
    Column("baseline_year", Integer, nullable=False),
    Column("start_year", Integer, nullable=False),
    Column("end_year", Integer),  # NULL: not stated yet
    Column("submission_id", Integer, ForeignKey("submission.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

target = Table(
    "target",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), nullable=False),
    Column("scope_unit_id", Integer, ForeignKey("unit.id")),  # NULL: the whole city/province
    Column("measure", String(20), nullable=False),
    Column("base_year", Integer, nullable=False),
    Column("pct", Float),
    Column("count", Integer),
    Column("path", JSON, nullable=False),
    Column("doc_ref", String(255)),
    Column("sheet", String(120), nullable=False),
    Column("cell", String(20), nullable=False),
    Column("programme_id", Integer, ForeignKey("programme.id")),
    Column("basis", String(255)),  # the row's `Căn cứ`, when written
    Column("exclude_sectors", String(500)),  # `Lĩnh vực giữ ổn định`, joined by "; "
)
Index("ix_target_submission", target.c.submission_id)

# ---------------------------------------------------------------- accounts and audit

user_account = Table(
    "user_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("full_name", String(160)),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),  # viewer | uploader | reviewer | admin
    Column("active", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
    Column("email", String(254)),
)

user_unit = Table(
    "user_unit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("user_account.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False),
    UniqueConstraint("user_id", "unit_id", name="uq_user_unit"),
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("user_account.id"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", String(120)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked", Integer, nullable=False, default=0),
)

# Every login attempt within the allowance (refused ones go to the audit log only): kept as a
# failure (success 0) before its password is checked, success 1 once it proved right
# (accounts.authenticate; docs/security.md, "Throttling").
login_attempt = Table(
    "login_attempt",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False),
    Column("remote_addr", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("success", Integer, nullable=False),
)
Index("ix_login_attempt_username_at", login_attempt.c.username, login_attempt.c.at)
Index("ix_login_attempt_remote_addr_at", login_attempt.c.remote_addr, login_attempt.c.at)

# A sign-in session of the dashboard (its cookie holds the random id, the table only its hash):
# open while `ended_at` is NULL and it was used within `accounts.SESSION_IDLE`; logging out,
# a new password, a new role, disabling and an administrator end it (migration 0006).
user_session = Table(
    "user_session",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("user_account.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("remote_addr", String(64)),
    Column("user_agent", String(255)),
    Column("ended_at", DateTime(timezone=True)),
    Column("end_reason", String(20)),  # logout | password | role | disable | admin
)
Index("ix_user_session_user_id", user_session.c.user_id)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target", String(255)),
    Column("detail", JSON, nullable=False),
)
Index("ix_audit_log_at", audit_log.c.at)

# Every change to the stored figures other than the latest submission's own rows, written by
# database triggers (migration 0003); `etl.storage.db.data_version` reads its latest id.
data_change = Table(
    "data_change",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_name", String(40), nullable=False),
    Column("operation", String(20), nullable=False),
    Column("row_id", Integer),
    Column("latest_submission", Integer),
)

# The rules an administrator chooses (etl.core.rules, docs/domain.md "Provinces and mergers"):
# append-only, one row per choice; a rule's value in force is its latest row, else the
# setting's default. Every row is logged in data_change (migration 0012): a new choice is a
# new data version, so the figures made under the old rule are not served again.
rule_setting = Table(
    "rule_setting",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("value", String(60), nullable=False),
    Column("set_by", String(80), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)
Index("ix_rule_setting_name", rule_setting.c.name)

# The mapping step (etl/reading/mapping.py): how a reporting unit's header cells are read,
# one row per unit, form and normalised header text; offered again and applied when the same
# headers come back. `owner_key`: the unit's `name_key`, or `@username` for a return that
# names no unit. `target`: a field, `field@year`, or `-` (not read).
header_mapping = Table(
    "header_mapping",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_key", String(255), nullable=False),
    Column("owner", String(255), nullable=False),
    Column("form", String(2), nullable=False),
    Column("header_key", String(500), nullable=False),
    Column("header_text", String(500), nullable=False),
    Column("target", String(40), nullable=False),
    Column("saved_by", String(120), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner_key", "form", "header_key", name="uq_header_mapping_owner_key"),
)

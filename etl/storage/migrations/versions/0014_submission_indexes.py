"""Indexes on the submission that wrote a unit, a job-position row, an event or a target

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 13:20:00

After every accepted return each worker reads only the rows of the new submissions
(etl/storage/db.py, `_read_added`): the units they created and the rows they wrote. Facts and
unit revisions had an index on their submission; units, job positions, events and targets
were scanned whole (about a fifth of the refresh at national size).
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_unit_created_by", "unit", "created_by"),
    ("ix_job_position_submission", "job_position", "submission_id"),
    ("ix_event_submission", "event", "submission_id"),
    ("ix_target_submission", "target", "submission_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)

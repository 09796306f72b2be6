"""Indexes on the submission that wrote a unit, a job-position row, an event or a target,
and on a submission's period

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 13:20:00

After every accepted return each worker reads only the rows of the new submissions
(etl/storage/db.py, `_read_added`): the units they created and the rows they wrote. Facts and
unit revisions had an index on their submission; units, job positions, events and targets
were scanned whole (about a fifth of the refresh at national size). And every view without a
cut-off asks for the default one, the latest period holding an approved return
(etl/storage/periods.py, `default_cut_off`): that scanned every submission once per period
(8 ms of each view at national size, 1 ms with the index).
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
    ("ix_submission_period", "submission", "period_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)

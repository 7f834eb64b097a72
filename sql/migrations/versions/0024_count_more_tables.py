"""Change counters for the tables the leader's figures read that had none: work_calendar and
work_hours (patrols due, deadlines), issue_event, penalty, unit and evaluation_weight (the case
indicators). Answers kept between writes (roads/answer_cache.py) are keyed by the counters of
every table they read.

Also an index on issue.updated_at: every export prints 数据截至 (the newest updated_at), which
was a scan of the whole ledger (0.3-0.5 s at a million issues) and is now one index probe.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from alembic import op
from change_counters import count_changes, stop_counting

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

COUNTED_TABLES = ("work_calendar", "work_hours", "issue_event", "penalty", "unit", "evaluation_weight")


def upgrade() -> None:
    for table in COUNTED_TABLES:
        op.execute(count_changes(table))
    op.execute("CREATE INDEX ix_issue_updated ON issue (updated_at)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_issue_updated")
    op.execute(stop_counting(COUNTED_TABLES))
    for table in COUNTED_TABLES:
        op.execute(f"DROP TRIGGER tg_{table}_version ON {table}; DROP TRIGGER tg_{table}_version_truncate ON {table};")

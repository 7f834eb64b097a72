"""The 数字城管 7-stage case flow with roles, stage deadlines, evaluation weights and penalties.

- `app_user`: five more roles (inspector 监督员, operator 受理员, dispatcher 派遣员, unit_user 处置单位
  用户, leader 领导) and `unit_id`, the one unit a unit user works for.
- `issue.status`: reported 上报 → filed 立案 (or rejected 不予立案) → dispatched 派遣 → handling 处置 →
  handled 反馈 → verified 核查 → closed 结案; on_hold 挂账 aside. `unit_id` (the unit a case is
  dispatched to; old rows keep their department text), the rejection reason and the case it
  duplicates, the hold, the approved extended deadline and a pending extension request, the
  evaluation (综合评价).
- `issue_event`: the action, the signed-in user, their role and unit, a reason and data; the old
  check on (from, to) pairs goes (roads/issues/flow.py holds the one transition table).
- `issue_photo.stage`: before (the report, 处置前) or after (the feedback, 处置后).
- `stage_deadline`: filing, dispatch and verification deadlines (handling is the category's).
- `evaluation_weight`: the weights of the 综合评价 score. `penalty`: 处罚 records.

Existing rows keep their statuses (all five are still statuses) and their history; their events
get the action they stood for. The downgrade maps the new statuses onto the old five and drops
the steps the old flow did not know.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_ROLES = "('district_admin', 'sub_district_admin', 'community_admin', 'viewer')"
NEW_ROLES = ("('district_admin', 'sub_district_admin', 'community_admin', 'viewer', 'inspector', "
             "'operator', 'dispatcher', 'unit_user', 'leader')")
OLD_STATUSES = "('reported', 'dispatched', 'handled', 'verified', 'closed')"
NEW_STATUSES = ("('reported', 'filed', 'rejected', 'dispatched', 'handling', 'handled', 'verified', "
                "'closed', 'on_hold')")


def upgrade() -> None:
    op.execute(f"""
    ALTER TABLE app_user
        DROP CONSTRAINT ck_app_user_role,
        ADD CONSTRAINT ck_app_user_role CHECK (role IN {NEW_ROLES}),
        ADD COLUMN unit_id integer CONSTRAINT fk_app_user_unit REFERENCES unit (id),
        ADD CONSTRAINT ck_app_user_unit CHECK ((role = 'unit_user') = (unit_id IS NOT NULL));

    ALTER TABLE issue
        DROP CONSTRAINT ck_issue_status,
        ADD CONSTRAINT ck_issue_status CHECK (status IN {NEW_STATUSES}),
        ADD COLUMN unit_id integer CONSTRAINT fk_issue_unit REFERENCES unit (id),
        ADD COLUMN reject_reason text CONSTRAINT ck_issue_reject_reason
            CHECK (reject_reason IN ('duplicate', 'outside', 'not_ours', 'invalid')),
        ADD COLUMN duplicate_of bigint
            CONSTRAINT fk_issue_duplicate_of REFERENCES issue (id) ON DELETE SET NULL,
        ADD COLUMN hold_reason text,
        ADD COLUMN held_from text,
        ADD COLUMN due_override timestamptz,
        ADD COLUMN extension_due timestamptz,
        ADD COLUMN extension_reason text,
        ADD COLUMN evaluation_score smallint CONSTRAINT ck_issue_evaluation_score
            CHECK (evaluation_score BETWEEN 1 AND 5),
        ADD COLUMN evaluated_at timestamptz,
        ADD CONSTRAINT ck_issue_rejected CHECK ((status = 'rejected') = (reject_reason IS NOT NULL)),
        ADD CONSTRAINT ck_issue_duplicate CHECK (duplicate_of IS NULL OR reject_reason = 'duplicate'),
        ADD CONSTRAINT ck_issue_on_hold CHECK ((status = 'on_hold') = (held_from IS NOT NULL));
    CREATE INDEX ix_issue_unit ON issue (unit_id);
    CREATE INDEX ix_issue_category_open ON issue (category_code)
        WHERE status NOT IN ('closed', 'rejected');

    ALTER TABLE issue_event
        DROP CONSTRAINT ck_issue_event_step,
        DROP CONSTRAINT ck_issue_event_department,
        ADD COLUMN action text,
        ADD COLUMN user_id integer CONSTRAINT fk_issue_event_user REFERENCES app_user (id)
            ON DELETE SET NULL,
        ADD COLUMN role text,
        ADD COLUMN unit_id integer CONSTRAINT fk_issue_event_unit REFERENCES unit (id),
        ADD COLUMN reason text,
        ADD COLUMN data jsonb;
    UPDATE issue_event SET action = CASE
        WHEN from_status = 'reported' THEN 'file_and_dispatch'
        WHEN from_status = 'dispatched' THEN 'feedback'
        WHEN from_status = 'handled' AND to_status = 'dispatched' THEN 'rework'
        WHEN from_status = 'handled' THEN 'verify'
        ELSE 'close' END;
    ALTER TABLE issue_event
        ALTER COLUMN action SET NOT NULL,
        ADD CONSTRAINT ck_issue_event_to_status CHECK (to_status IN {NEW_STATUSES});
    CREATE INDEX ix_issue_event_action ON issue_event (action, issue_id);

    ALTER TABLE issue_photo ADD COLUMN stage text NOT NULL DEFAULT 'before'
        CONSTRAINT ck_issue_photo_stage CHECK (stage IN ('before', 'after'));

    CREATE TABLE stage_deadline (
        stage  text PRIMARY KEY CONSTRAINT ck_stage_deadline_stage
               CHECK (stage IN ('filing', 'dispatch', 'verification')),
        amount numeric NOT NULL CONSTRAINT ck_stage_deadline_amount CHECK (amount > 0),
        unit   text NOT NULL CONSTRAINT ck_stage_deadline_unit
               CHECK (unit IN ('work_hour', 'work_day', 'hour'))
    );
    INSERT INTO stage_deadline VALUES
        ('filing', 1, 'work_hour'), ('dispatch', 1, 'work_hour'), ('verification', 2, 'work_hour');

    CREATE TABLE evaluation_weight (
        measure text PRIMARY KEY CONSTRAINT ck_evaluation_weight_measure CHECK (measure IN (
            'on_time_rate', 'closed_rate', 'rework_rate', 'extension_rate', 'satisfaction',
            'penalty')),
        weight  numeric NOT NULL,
        label   text NOT NULL
    );
    INSERT INTO evaluation_weight VALUES
        ('on_time_rate', 40, '按期结案率'), ('closed_rate', 30, '结案率'),
        ('rework_rate', -15, '返工率'), ('extension_rate', -5, '延期率'),
        ('satisfaction', 10, '满意度'), ('penalty', -2, '每起处罚');

    CREATE TABLE penalty (
        id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        target_kind  text NOT NULL CONSTRAINT ck_penalty_target_kind
                     CHECK (target_kind IN ('shop', 'company', 'unit')),
        target_name  text NOT NULL CONSTRAINT ck_penalty_target_name CHECK (btrim(target_name) <> ''),
        unit_id      integer CONSTRAINT fk_penalty_unit REFERENCES unit (id),
        amount_yuan  numeric(12, 2) NOT NULL CONSTRAINT ck_penalty_amount CHECK (amount_yuan >= 0),
        reason       text NOT NULL CONSTRAINT ck_penalty_reason CHECK (btrim(reason) <> ''),
        issue_id     bigint CONSTRAINT fk_penalty_issue REFERENCES issue (id) ON DELETE SET NULL,
        penalty_date date NOT NULL,
        recorded_by  integer CONSTRAINT fk_penalty_user REFERENCES app_user (id) ON DELETE SET NULL,
        recorder     text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_penalty_unit CHECK (target_kind <> 'unit' OR unit_id IS NOT NULL)
    );
    CREATE INDEX ix_penalty_unit ON penalty (unit_id, penalty_date);
    """)


def downgrade() -> None:
    op.execute(f"""
    DROP TABLE penalty;
    DROP TABLE evaluation_weight;
    DROP TABLE stage_deadline;
    ALTER TABLE issue_photo DROP COLUMN stage;

    -- The old flow knew five statuses and four kinds of step: fold the new ones onto them.
    ALTER TABLE issue
        DROP CONSTRAINT ck_issue_on_hold, DROP CONSTRAINT ck_issue_duplicate,
        DROP CONSTRAINT ck_issue_rejected, DROP CONSTRAINT ck_issue_status;
    UPDATE issue SET status = held_from WHERE status = 'on_hold';
    UPDATE issue SET status = CASE status
        WHEN 'filed' THEN 'reported' WHEN 'rejected' THEN 'closed' WHEN 'handling' THEN 'dispatched'
        ELSE status END;
    UPDATE issue AS i SET department = u.name
    FROM unit AS u WHERE u.id = i.unit_id AND i.department IS NULL;
    DELETE FROM issue_event
    WHERE from_status = to_status OR to_status IN ('filed', 'rejected', 'on_hold', 'handling')
       OR from_status = 'on_hold';
    UPDATE issue_event SET from_status = 'reported' WHERE from_status = 'filed';
    UPDATE issue_event SET from_status = 'dispatched' WHERE from_status = 'handling';
    UPDATE issue_event AS e SET department = coalesce(
        e.department, (SELECT u.name FROM unit AS u WHERE u.id = e.unit_id), '未记录')
    WHERE e.to_status = 'dispatched';
    DELETE FROM issue_event WHERE (from_status, to_status) NOT IN (
        ('reported', 'dispatched'), ('dispatched', 'handled'), ('handled', 'verified'),
        ('handled', 'dispatched'), ('verified', 'closed'));
    DROP INDEX ix_issue_event_action;
    ALTER TABLE issue_event
        DROP CONSTRAINT ck_issue_event_to_status,
        DROP COLUMN data, DROP COLUMN reason, DROP COLUMN unit_id, DROP COLUMN role,
        DROP COLUMN user_id, DROP COLUMN action,
        ADD CONSTRAINT ck_issue_event_step CHECK (
            (from_status, to_status) IN (('reported', 'dispatched'), ('dispatched', 'handled'),
                                         ('handled', 'verified'), ('handled', 'dispatched'),
                                         ('verified', 'closed'))),
        ADD CONSTRAINT ck_issue_event_department
            CHECK (to_status <> 'dispatched' OR department IS NOT NULL);

    DROP INDEX ix_issue_category_open;
    DROP INDEX ix_issue_unit;
    ALTER TABLE issue
        DROP COLUMN evaluated_at, DROP COLUMN evaluation_score, DROP COLUMN extension_reason,
        DROP COLUMN extension_due, DROP COLUMN due_override, DROP COLUMN held_from,
        DROP COLUMN hold_reason, DROP COLUMN duplicate_of, DROP COLUMN reject_reason,
        DROP COLUMN unit_id,
        ADD CONSTRAINT ck_issue_status CHECK (status IN {OLD_STATUSES});

    DELETE FROM api_token WHERE user_id IN (
        SELECT id FROM app_user WHERE role NOT IN {OLD_ROLES});
    DELETE FROM app_user WHERE role NOT IN {OLD_ROLES};
    ALTER TABLE app_user
        DROP CONSTRAINT ck_app_user_unit,
        DROP COLUMN unit_id,
        DROP CONSTRAINT ck_app_user_role,
        ADD CONSTRAINT ck_app_user_role CHECK (role IN {OLD_ROLES});
    """)

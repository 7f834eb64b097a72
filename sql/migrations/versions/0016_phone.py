"""The chief tree: 总路长 and 副总路长 among the general chiefs, and each street's 街长 with the party
members who back them (road_chief_role).

`chief.general_rank`: 1 总路长 (the district head), 2 副总路长 (the deputy in charge of urban
management); only for general chiefs (`general_chief`, migration 0011). A general chief without a
rank reads as 总路长.
`road_chief_role`: per road, one 街长 (`street_chief`) and up to three backing party members
(`party_backer`, 包保党员; the limit is checked by roads/chief_tree.py, which replaces a road's set
at once). A table rather than a fourth tier of segment_assignment: a street chief answers for the
whole street across communities, and the backers hold no segment.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE chief ADD COLUMN general_rank smallint
        CONSTRAINT ck_chief_general_rank CHECK (general_rank IS NULL OR (general_rank IN (1, 2) AND general_chief));
    CREATE TABLE road_chief_role (
        road_id   integer NOT NULL CONSTRAINT fk_road_chief_role_road REFERENCES road (id) ON DELETE CASCADE,
        chief_id  integer NOT NULL CONSTRAINT fk_road_chief_role_chief REFERENCES chief (id) ON DELETE CASCADE,
        role      text NOT NULL CONSTRAINT ck_road_chief_role_role CHECK (role IN ('street_chief', 'party_backer')),
        CONSTRAINT pk_road_chief_role PRIMARY KEY (road_id, chief_id)
    );
    CREATE UNIQUE INDEX uq_road_chief_role_street_chief ON road_chief_role (road_id) WHERE role = 'street_chief';
    CREATE INDEX ix_road_chief_role_chief ON road_chief_role (chief_id);
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE road_chief_role;
    ALTER TABLE chief DROP COLUMN general_rank;
    """)

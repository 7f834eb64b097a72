"""The district as data: one row with its name, short name, code, time zone and the projection
used for metres; and the road class per segment (a road is a connected street, its segments may
differ in class).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE district (
        id          boolean PRIMARY KEY DEFAULT true,
        name        text NOT NULL,
        short_name  text NOT NULL,
        code        text,
        timezone    text NOT NULL DEFAULT 'Asia/Shanghai',
        epsg        integer NOT NULL DEFAULT 4547,
        CONSTRAINT ck_district_one_row CHECK (id),
        CONSTRAINT ck_district_name CHECK (btrim(name) <> '' AND btrim(short_name) <> '')
    );

    -- NULL: the road's class (the demo, older imports); an import writes each piece's own.
    ALTER TABLE road_segment ADD COLUMN road_class text
        CONSTRAINT ck_road_segment_road_class CHECK (road_class IN ('主干道', '次干道', '支路', '街巷'));
    """)


def downgrade() -> None:
    op.execute("""
    DROP VIEW IF EXISTS roadchief.segment_coverage CASCADE;
    ALTER TABLE road_segment DROP COLUMN road_class;
    DROP TABLE district;
    """)

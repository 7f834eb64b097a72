"""The bulk import's two ways of writing: with the per-row foreign-key triggers skipped (replica
role, when the database role may set it, as the test cluster's superuser may) or with them."""

import pytest
from sqlalchemy import text

from roads.issues import importer
from tests.roads.issues.conftest import count, lonlat


def ledger_file(tmp_path):
    path = tmp_path / "ledger.csv"
    near, far = lonlat(60, 0), lonlat(300, 300)
    path.write_text(
        "lon,lat,category,description\n"
        f"{near[0]},{near[1]},T03.01,占道经营\n"
        f"{far[0]},{far[1]},T06.01,道路破损\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("fast_write", [True, False], ids=["triggers-skipped", "per-row-triggers"])
def test_both_ways_of_writing_store_the_same_rows_and_refresh_the_tiles(
    conn, streets, tmp_path, monkeypatch, fast_write
):
    monkeypatch.setattr(importer, "may_skip_row_triggers", lambda conn: fast_write)
    version_sql = "SELECT version FROM table_version WHERE table_name = 'issue'"
    before = count(conn, version_sql)
    result = importer.import_issues(conn, ledger_file(tmp_path), 50)
    assert (result.inserted, result.snapped) == (2, 1)
    rows = conn.execute(
        text("SELECT category_code, segment_id, community_id IS NOT NULL AS placed FROM issue ORDER BY id")
    ).all()
    assert [tuple(r) for r in rows] == [("T03.01", streets.east, True), ("T06.01", None, True)]
    assert count(conn, version_sql) > before  # the tile cache will not serve tiles from before
    assert conn.exec_driver_sql("SHOW session_replication_role").scalar_one() == "origin"


def test_the_test_cluster_role_takes_the_fast_way(conn):
    assert importer.may_skip_row_triggers(conn)


def test_the_distances_are_computed_on_a_second_connection(conn):
    """The parallel way is the one taken (the test above covers the other), and it leaves the
    import's own session as it was."""
    snapper = importer.Snapper(conn, 50)
    try:
        assert snapper.own is not None
        snapper.ready.result()
        theirs = snapper.own.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert theirs != conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    finally:
        snapper.close()
    assert conn.execute(text("SELECT to_regclass('pg_temp.snap_pair')")).scalar_one() is None


def test_the_fast_write_skips_no_trigger_but_the_foreign_key_checks(conn):
    """In the replica role only triggers enabled ALWAYS (or REPLICA) fire. On `issue` the others
    must be the foreign-key checks, which the importer does itself; a new trigger there fails this
    test until importer.ChunkWriter accounts for it."""
    skipped = conn.execute(
        text("""
        SELECT t.tgname, c.conname IS NOT NULL AS foreign_key_check
        FROM pg_trigger AS t
        LEFT JOIN pg_constraint AS c ON c.oid = t.tgconstraint AND c.contype = 'f'
        WHERE t.tgrelid = 'public.issue'::regclass AND t.tgenabled = 'O'
          -- issue_event's and issue_photo's cascades live on issue too, but fire on delete only
          AND (c.conrelid IS NULL OR c.conrelid = 'public.issue'::regclass)
    """)
    ).all()
    assert skipped and all(row.foreign_key_check for row in skipped), skipped
    always = conn.execute(
        text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.issue'::regclass AND tgenabled = 'A'")
    ).scalars().all()
    assert sorted(always) == ["tg_issue_version", "tg_issue_version_truncate"]


def test_a_new_issue_writes_no_entry_in_the_unit_index(conn):
    """Migration 0023: the cases' unit index holds dispatched cases only, and still answers the
    one-unit lookups (the ledger's unit filter, the foreign key's check on deleting a unit)."""
    definition = conn.execute(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_issue_unit'")).scalar_one()
    assert definition.endswith("WHERE (unit_id IS NOT NULL)")
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(conn.execute(text(
        "EXPLAIN SELECT 1 FROM ONLY public.issue x WHERE unit_id = 7 FOR KEY SHARE OF x"
    )).scalars())
    assert "ix_issue_unit" in plan

"""The change counter of a table the tile cache reads, for the migrations that add such tables.

The mechanism is migrations 0003 (a statement trigger bumping `bump_table_version()`), 0007
(`ENABLE ALWAYS`: it fires whatever the session's replication role), 0008 (SHARDS counter rows a
table, so writers do not wait for each other) and 0018 (it notifies the workers). env.py puts this
folder on the import path.
"""

SHARDS = 8  # as in 0008


def count_changes(table: str) -> str:
    """Counter rows (the first starts at the clock, so the sum never repeats an earlier value)
    and the two triggers that keep them for `table`."""
    return f"""
        INSERT INTO table_version_shard (table_name, shard, version)
        SELECT '{table}', shard,
               CASE WHEN shard = 0 THEN (extract(epoch FROM clock_timestamp()) * 1000000)::bigint ELSE 0 END
        FROM generate_series(0, {SHARDS - 1}) AS shard;
        CREATE TRIGGER tg_{table}_version
            AFTER INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION bump_table_version();
        CREATE TRIGGER tg_{table}_version_truncate
            AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION bump_table_version();
        ALTER TABLE {table} ENABLE ALWAYS TRIGGER tg_{table}_version;
        ALTER TABLE {table} ENABLE ALWAYS TRIGGER tg_{table}_version_truncate;
        """


def stop_counting(tables: tuple[str, ...]) -> str:
    """The counter rows of `tables` removed (their triggers go with the tables)."""
    return f"DELETE FROM table_version_shard WHERE table_name IN ({', '.join(f'{t!r}' for t in tables)});"

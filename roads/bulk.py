"""Bulk writes through PostgreSQL COPY: the fast path for demo data and imports."""

import csv
import io
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` into `table` (a code constant, never user input) inside the caller's transaction.

    Geometries go in as hex EWKB strings; None becomes NULL.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
        count += 1
    buffer.seek(0)
    cursor = conn.connection.driver_connection.cursor()
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
    )
    return count


def reset_identity(conn: Connection, table: str) -> None:
    """After writing explicit ids, move the identity sequence past the highest one."""
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
    )

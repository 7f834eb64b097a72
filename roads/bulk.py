"""Bulk writes through PostgreSQL COPY: the fast path for demo data and imports."""

import csv
import io
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

CHUNK = 1 << 16  # characters of CSV handed to the server at a time


class CsvStream:
    """Rows as CSV text, written only as COPY reads them: the server parses one chunk while Python
    makes the next, so reading a file and loading it overlap on two cores.

    An exception from the rows (a file found unreadable halfway) ends the stream quietly and is
    raised again by `raise_if_failed` once COPY is over, so callers see their own error rather
    than the driver's "error in .read() call"."""

    def __init__(self, rows: Iterable[Sequence]):
        self.rows = iter(rows)
        self.count = 0
        self.failure: BaseException | None = None
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def read(self, size: int = -1) -> str:
        size = CHUNK if size is None or size < 0 else size
        self.buffer.seek(0)
        self.buffer.truncate()
        try:
            while self.buffer.tell() < size:
                row = next(self.rows, None)
                if row is None:
                    break
                self.writer.writerow(["\\N" if value is None else value for value in row])
                self.count += 1
        except Exception as exc:  # noqa: BLE001 - kept and raised again after COPY
            self.failure = exc
        return self.buffer.getvalue()

    def raise_if_failed(self) -> None:
        if self.failure is not None:
            raise self.failure


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` into `table` (a code constant, never user input) inside the caller's transaction.

    Geometries go in as hex EWKB strings; None becomes NULL. Rows may be a generator: they are
    consumed while the server loads them.
    """
    stream = CsvStream(rows)
    cursor = conn.connection.driver_connection.cursor()
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
        stream,
        size=CHUNK,
    )
    stream.raise_if_failed()
    return stream.count


def reset_identity(conn: Connection, table: str) -> None:
    """After writing explicit ids, move the identity sequence past the highest one."""
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
    )


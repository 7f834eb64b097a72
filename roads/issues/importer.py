"""Bulk import: the file read in chunks, each chunk checked and narrowed to its snapping contenders
in Python (roads.issues.snap_batch), then COPY'd into a staging table and inserted with the
segment's geodesic distance, while Python prepares the next chunk.

All or nothing: any rejected row aborts the import (InvalidInput carrying the rejects) unless
`skip_bad`, in which case the good rows go in and the rejects are reported.
"""

import csv
import gc
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, text

from roads.district import get_district
from roads.errors import InvalidInput
from roads.issues.density import no_jit
from roads.issues.import_checks import CheckedChunk, RowChecker, pg_float
from roads.issues.readers import Reject, read_issue_file
from roads.issues.snap_batch import CONTENDER_SNAP, load_network

Progress = Callable[[str, int, int], None]
CHUNK_ROWS = 10_000  # small enough to overlap Python and the server, large enough to batch
# The server waits for the first chunk's checks: a small one sets it to work sooner (20,000 rows
# in two chunks of 10,000 overlapped only half their time).
FIRST_CHUNK_ROWS = 2_000


@dataclass
class ImportResult:
    rows: int
    inserted: int = 0
    snapped: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def unsnapped(self) -> int:
        return self.inserted - self.snapped


STAGING = """
DROP TABLE IF EXISTS issue_staging;
CREATE TEMP TABLE issue_staging (
    row_no integer, lon float8, lat float8, category_code text, description text,
    reported_at timestamptz, reporter text, address text, community_id integer,
    contenders integer[]
) ON COMMIT DROP;
"""
STAGING_COLUMNS = (
    "row_no, lon, lat, category_code, description, reported_at, reporter, address, community_id, "
    "contenders"
)
# Python has checked every row and named its community, except for a point within 0.1 mm of a
# community's edge (community_id NULL), which PostgreSQL places as single intake does. OFFSET 0
# builds each point once, where the planner would otherwise rebuild it at every use.
INSERT = f"""
WITH inserted AS (
    INSERT INTO public.issue (geom, category_code, description, status, reported_at, updated_at,
                              source, reporter, address, community_id, segment_id, snap_distance_m)
    SELECT st.geom, st.category_code, st.description, 'reported', coalesce(st.reported_at, now()),
           coalesce(st.reported_at, now()), :source, st.reporter, st.address,
           coalesce(st.community_id, cm.id), n.segment_id, n.distance_m
    FROM (
        SELECT s.*, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom
        FROM issue_staging AS s
        ORDER BY s.row_no
        OFFSET 0
    ) AS st
    LEFT JOIN LATERAL (
        SELECT c.id FROM public.community AS c
        WHERE st.community_id IS NULL AND ST_Intersects(c.geom, st.geom)
        ORDER BY c.id LIMIT 1
    ) AS cm ON true
    {CONTENDER_SNAP}
    WHERE coalesce(st.community_id, cm.id) IS NOT NULL
    ORDER BY st.row_no
    RETURNING segment_id
)
SELECT count(*), count(segment_id) FROM inserted
"""
OUTSIDE = """
SELECT st.row_no, st.lon, st.lat
FROM issue_staging AS st
WHERE st.community_id IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM public.community AS c
      WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(st.lon, st.lat), 4326))
  )
ORDER BY st.row_no
"""


def import_issues(
    conn: Connection,
    path: Path,
    snap_distance_m: float,
    skip_bad: bool = False,
    source: str = "import",
    progress: Progress = lambda step, done, total: None,
) -> ImportResult:
    """Import the file in the caller's transaction; InvalidInput (rejects attached) unless clean."""
    # The rows and geometries made by the thousand hold no reference cycles, yet each thousand
    # allocations ran the cycle collector over all of them: a fifth of the checking time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return import_file(conn, path, snap_distance_m, skip_bad, source, progress)
    finally:
        if collecting:
            gc.enable()


def import_file(conn: Connection, path: Path, snap_distance_m: float, skip_bad: bool, source: str,
                progress: Progress) -> ImportResult:
    parsed = read_issue_file(path, lambda n: progress("reading, checking and writing", n, 0))
    fast_write = may_skip_row_triggers(conn)
    # The segments and communities are read once, below: they must not change until commit.
    conn.exec_driver_sql(LOCK_REFERENCED)
    no_jit(conn)  # the time goes to PostGIS calls and index writes; compiling would add to it
    checker = RowChecker.load(conn, load_network(conn, get_district(conn).epsg), snap_distance_m)
    conn.exec_driver_sql(STAGING)
    conn.exec_driver_sql("SAVEPOINT issue_import")
    writer = ChunkWriter(conn, source, snap_distance_m, fast_write)
    rejects: list[Reject] = []
    try:
        for rows in chunked(parsed.rows(), FIRST_CHUNK_ROWS, CHUNK_ROWS):
            chunk = checker.check(rows)
            rejects += chunk.rejects
            if skip_bad or not (rejects or parsed.rejects):
                writer.submit(chunk)
        written = writer.finish()
    except BaseException:
        writer.abandon()
        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT issue_import")
        raise
    result = ImportResult(rows=parsed.total, inserted=written.inserted, snapped=written.snapped)
    result.rejects = sorted(parsed.rejects + rejects + written.rejects, key=lambda r: r.row)
    if result.rejects and not skip_bad:
        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT issue_import")
        raise InvalidInput(
            f"{path.name}: {len(result.rejects)} of {result.rows} rows rejected; nothing "
            "imported (fix them, or pass --skip-bad to import the others)",
            f"{path.name}：{result.rows} 行中有 {len(result.rejects)} 行有误，全部未导入"
            "（请改正后重试，或使用 --skip-bad 只导入其余各行）",
            rejects=[{"row": r.row, "reason": r.reason} for r in result.rejects],
        )
    conn.exec_driver_sql("RELEASE SAVEPOINT issue_import")
    conn.exec_driver_sql("DROP TABLE issue_staging")
    progress("done", result.rows, result.rows)
    return result


def chunked(rows: Iterable[tuple], first: int, size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    sizes = itertools.chain([first], itertools.repeat(size))
    while chunk := list(itertools.islice(iterator, next(sizes))):
        yield chunk


@dataclass
class Written:
    inserted: int = 0
    snapped: int = 0
    rejects: list[Reject] = field(default_factory=list)


class ChunkWriter:
    """Writes checked chunks on the import's connection from a second thread, one at a time, so
    the server inserts a chunk while Python checks the next (psycopg2 releases the GIL while it
    waits for the server). The caller does not use the connection until `finish` or `abandon`."""

    def __init__(self, conn: Connection, source: str, snap_distance_m: float, fast_write: bool):
        self.conn = conn
        self.params = {"source": source, "snap_m": snap_distance_m}
        self.fast_write = fast_write
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="issue-import")
        self.pending: Future | None = None
        self.written = Written()
        self.started = False

    def submit(self, chunk: CheckedChunk) -> None:
        self.collect()
        if not chunk.rows:
            return
        self.pending = self.executor.submit(self.write, csv_text(chunk.rows), chunk.unsure_community)

    def collect(self) -> None:
        if self.pending is not None:
            inserted, snapped, outside = self.pending.result()
            self.pending = None
            self.written.inserted += inserted
            self.written.snapped += snapped
            self.written.rejects += outside

    def write(self, body: io.StringIO, unsure_community: bool) -> tuple[int, int, list[Reject]]:
        if not self.started:
            self.started = True
            if self.fast_write:  # see insert_checked's note below
                self.conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        self.conn.exec_driver_sql("TRUNCATE issue_staging")
        cursor = self.conn.connection.driver_connection.cursor()
        # One read of the whole chunk: each read takes the GIL, which the checking thread holds
        # for up to the switch interval (5 ms) at a time; 8 KB reads waited seconds in all.
        cursor.copy_expert(
            f"COPY issue_staging ({STAGING_COLUMNS}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", body,
            size=len(body.getvalue()) + 1,
        )
        outside = []
        if unsure_community:
            outside = [
                Reject(r.row_no, f"the point ({pg_float(r.lon)}, {pg_float(r.lat)}) lies outside "
                       "the district")
                for r in self.conn.execute(text(OUTSIDE))
            ]
        inserted, snapped = self.conn.execute(text(INSERT), self.params).one()
        return inserted, snapped, outside

    def finish(self) -> Written:
        try:
            self.collect()
        finally:
            self.executor.shutdown(wait=True)
        if self.started and self.fast_write:
            self.conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        return self.written

    def abandon(self) -> None:
        """Wait for the chunk in flight (its error, if any, is dropped for the caller's)."""
        self.executor.shutdown(wait=True)


def csv_text(rows: list[tuple]) -> io.StringIO:
    body = io.StringIO()
    writer = csv.writer(body, lineterminator="\n")
    writer.writerows(rows)
    body.seek(0)
    return body


# The fast write. Per-row foreign-key triggers took half the writing time (7 of 14 s for 200,000
# rows at 1M issues), yet the checks have already resolved every row's category, community and
# segment. So, when the role may set session_replication_role (a superuser, as in the embedded
# cluster; on an external PostGIS, `GRANT SET ON PARAMETER session_replication_role TO <role>`),
# the rows go in with the replica role, which skips the foreign-key triggers; the SHARE locks,
# taken before the checks, keep the referenced rows from changing until commit, as the triggers'
# row locks would (and keep the network the snapping read valid, in either role).
# The change-counter triggers fire in any role (ENABLE ALWAYS, migration 0007), so tiles stay
# fresh; tests/ledger/test_import_fast_write.py fails if another trigger on `issue` would be
# skipped. The replica role ends with the import (a failed import rolls back to its savepoint,
# which undoes the SET LOCAL too).
LOCK_REFERENCED = "LOCK TABLE public.issue_category, community, road_segment IN SHARE MODE"


def may_skip_row_triggers(conn: Connection) -> bool:
    return conn.exec_driver_sql(
        "SELECT has_parameter_privilege('session_replication_role', 'SET')"  # PostgreSQL 15+
    ).scalar_one()

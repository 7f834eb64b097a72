"""Bulk import: the file read in chunks, each chunk checked and narrowed to its snapping contenders
in Python (roads.issues.snap_batch), the contenders' geodesic distances computed by PostgreSQL on
a second connection (`Snapper`), and the rows COPY'd into `issue` with their segments on the
import's own connection, the three steps of three chunks at once.

All or nothing: any rejected row aborts the import (InvalidInput carrying the rejects) unless
`skip_bad`, in which case the good rows go in and the rejects are reported.
"""

import gc
import io
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from roads.district import get_district
from roads.errors import InvalidInput
from roads.issues.density import no_jit
from roads.issues.import_checks import CheckedChunk, RowChecker, pg_float
from roads.issues.readers import Reject, read_issue_file
from roads.issues.snap_batch import SNAP_PAIRS, SNAP_PAIRS_TABLE, Network, load_network

Progress = Callable[[str, int, int], None]
Snapped = Callable[[], tuple[list, list, list]]  # a chunk's ids, segments, distances, when done
CHUNK_ROWS = 10_000  # small enough to overlap Python and the server, large enough to batch
# The server waits for the first chunk's checks: a small one sets it to work sooner (20,000 rows
# in two chunks of 10,000 overlapped only half their time).
FIRST_CHUNK_ROWS = 2_000
NULL = "\\N"  # COPY's NULL in the rows' text
IN_FLIGHT = 2  # chunks handed to the writer and not yet written


@dataclass
class ImportResult:
    rows: int
    inserted: int = 0
    snapped: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def unsnapped(self) -> int:
        return self.inserted - self.snapped


# The rows go into `issue` by COPY with every value final: Python has checked the row and named its
# community, PostgreSQL has chosen its segment (Snapper). COPY writes a page's rows in one heap
# record and skips the executor's per-row work: 23 µs of server CPU a row at 1M issues, where
# INSERT ... SELECT from a staging table took 42 (the distances included there, computed beside
# it here). The ids are drawn in file order (Snapper, from the identity's sequence), and the rows
# go in in the Z-order of their points (CheckedChunk.order): neighbouring points are written one
# after another, so the pages of the GiST index, and of the b-trees led by the segment or the
# community, that a chunk touches are read and dirtied once rather than once a row (at 1M issues
# those indexes outgrow shared_buffers): 20 µs a row instead of 23.5.
ISSUE_COLUMNS = (
    "id, geom, category_code, description, status, reported_at, updated_at, source, reporter, "
    "address, community_id, segment_id, snap_distance_m"
)
COPY_ISSUES = f"COPY public.issue ({ISSUE_COLUMNS}) FROM STDIN"  # text: tabs, \\N for NULL
# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped, so a value
# "\N" stays a value (csv's NULL '\N' would have read it as NULL).
ESCAPED = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NEW_IDS = "SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"
# A point within 0.1 mm of a community's edge is placed by PostgreSQL, as single intake places it
# (the lowest id of the communities it lies in); in none, it lies outside the district.
PLACE = """
SELECT u.k, (
    SELECT c.id FROM public.community AS c
    WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326))
    ORDER BY c.id LIMIT 1
)
FROM unnest(CAST(:k AS integer[]), CAST(:lon AS float8[]), CAST(:lat AS float8[])) AS u(k, lon, lat)
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
    snapper = Snapper(conn, snap_distance_m)  # its connection warms up while the network loads
    try:
        result = write_file(conn, path, parsed, snapper, snap_distance_m, skip_bad, source,
                            fast_write, progress)
    except BaseException:
        snapper.close(tidy=False)  # the caller's transaction may be in error: leave it be
        raise
    snapper.close()
    return result


def write_file(conn: Connection, path: Path, parsed, snapper: "Snapper", snap_distance_m: float,
               skip_bad: bool, source: str, fast_write: bool, progress: Progress) -> ImportResult:
    # The segments and communities are read once, below: they must not change until commit.
    conn.exec_driver_sql(LOCK_REFERENCED)
    no_jit(conn)  # the time goes to PostGIS calls and index writes; compiling would add to it
    network = load_network(conn, get_district(conn).epsg)
    checker = RowChecker.load(conn, network, snap_distance_m)
    conn.exec_driver_sql("SAVEPOINT issue_import")
    writer = ChunkWriter(conn, source, checker.now, fast_write)
    rejects: list[Reject] = []
    try:
        for rows in chunked(parsed.rows(), FIRST_CHUNK_ROWS, CHUNK_ROWS):
            chunk = checker.check(rows)
            rejects += chunk.rejects
            if chunk.rows and (skip_bad or not (rejects or parsed.rejects)):
                writer.submit(chunk, snapper.submit(chunk, network))
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
    progress("done", result.rows, result.rows)
    return result


def chunked(rows: Iterable[tuple], first: int, size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    sizes = itertools.chain([first], itertools.repeat(size))
    while chunk := list(itertools.islice(iterator, next(sizes))):
        yield chunk


class Snapper:
    """Chooses each checked chunk's segments (snap_batch.SNAP_PAIRS: the geodesic distance to
    every contender, the limit, the tie rule) on a connection of its own, from a thread of its
    own: PostgreSQL computes one chunk's distances in that session while the import's session
    writes the chunk before, the two cores busy at once. SNAP_PAIRS reads nothing but the pairs
    sent, so the second session needs no view of the import's transaction. Without a second
    connection (the pool has none to spare, say) the import's own connection snaps each chunk
    just before writing it."""

    def __init__(self, conn: Connection, snap_distance_m: float):
        self.params = {"snap_m": snap_distance_m}
        self.sequence = conn.execute(
            text("SELECT pg_get_serial_sequence('public.issue', 'id')")
        ).scalar_one()
        self.main = conn
        self.own: Connection | None = None
        self.executor: ThreadPoolExecutor | None = None
        self.ready: Future | None = None
        self.own = second_connection(conn)
        if self.own is None:
            self.prepare(conn)
        else:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="issue-snap")
            self.ready = self.executor.submit(self.prepare, self.own)

    @staticmethod
    def prepare(conn: Connection) -> None:
        no_jit(conn)
        conn.exec_driver_sql(SNAP_PAIRS_TABLE)
        # A backend's first geodesic distance sets up the spheroid: here, not in the first chunk.
        conn.exec_driver_sql(
            "SELECT ST_Distance('SRID=4326;POINT(0 0)'::geography, 'SRID=4326;POINT(0 1)'::geography)"
        )

    def submit(self, chunk: CheckedChunk, network: Network) -> Snapped:
        if self.executor is None:
            return partial(self.snap, self.main, chunk, network)  # in the writer's turn
        return self.executor.submit(self.snap, self.own, chunk, network).result

    def snap(self, conn: Connection, chunk: CheckedChunk,
             network: Network) -> tuple[list, list, list]:
        """The chunk's ids (the identity's next values, in file order: nextval is no part of any
        transaction, so another session's serve as well) and each row's segment and distance."""
        n = len(chunk.rows)
        ids = conn.execute(text(NEW_IDS), {"sequence": self.sequence, "n": n}).scalars().all()
        segment: list = [None] * n
        distance: list = [None] * n
        if not len(chunk.pair_row):
            return ids, segment, distance
        rows, wkb = chunk.rows, network.wkb
        body = io.StringIO("".join([
            f"{k}\t{rows[k][1]!r}\t{rows[k][2]!r}\t{segment_id}\t{wkb[place]}\n"
            for k, segment_id, place in zip(chunk.pair_row.tolist(), chunk.pair_segment.tolist(),
                                            chunk.pair_position.tolist(), strict=True)
        ]))
        conn.exec_driver_sql("TRUNCATE snap_pair")
        conn.connection.driver_connection.cursor().copy_expert(
            "COPY snap_pair (i, lon, lat, segment_id, line) FROM STDIN", body,
            size=len(body.getvalue()) + 1,
        )
        for k, segment_id, d in conn.execute(text(SNAP_PAIRS), self.params):
            segment[k], distance[k] = segment_id, d
        return ids, segment, distance

    def close(self, tidy: bool = True) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        if self.own is not None:
            # Its transaction wrote nothing but a temporary table. The session ends with the
            # import rather than going back to the pool, so its CPU is counted where the server's
            # ended sessions are (bench/ledger.py's ServerCpu); a new one costs a few ms.
            self.own.invalidate()
            self.own.close()
        elif tidy:
            self.main.exec_driver_sql("DROP TABLE IF EXISTS snap_pair")


def second_connection(conn: Connection) -> Connection | None:
    """Another connection to the import's database, from its engine's pool, if there is one."""
    try:
        return conn.engine.connect()
    except SQLAlchemyError:
        return None


@dataclass
class Written:
    inserted: int = 0
    snapped: int = 0
    rejects: list[Reject] = field(default_factory=list)


class ChunkWriter:
    """Writes snapped chunks on the import's connection from a second thread, one at a time, so
    the server writes a chunk while Python checks the next (psycopg2 releases the GIL while it
    waits for the server). The caller does not use the connection until `finish` or `abandon`."""

    def __init__(self, conn: Connection, source: str, now: datetime, fast_write: bool):
        self.conn = conn
        self.source = source
        self.now = str(now)  # reported_at when the row gives none, as coalesce(.., now()) did
        self.fast_write = fast_write
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="issue-import")
        self.pending: deque[Future] = deque()
        self.written = Written()
        self.started = False

    def submit(self, chunk: CheckedChunk, snapped: Snapped) -> None:
        # Each row's text but its community and segment is written here, while the server still
        # writes the chunks before, so the server waits for little Python work between chunks.
        heads = row_heads(chunk.rows, chunk.points, self.source, self.now)
        # One chunk may wait behind the one being written: a slow turn of either side (the
        # machine is shared) is taken up by the other instead of stalling both.
        while len(self.pending) >= IN_FLIGHT:
            self.collect_one()
        self.pending.append(self.executor.submit(self.write, chunk, heads, snapped))

    def collect(self) -> None:
        while self.pending:
            self.collect_one()

    def collect_one(self) -> None:
        inserted, snapped, outside = self.pending.popleft().result()
        self.written.inserted += inserted
        self.written.snapped += snapped
        self.written.rejects += outside

    def write(self, chunk: CheckedChunk, heads: list[str],
              snapped: Snapped) -> tuple[int, int, list[Reject]]:
        if not self.started:
            self.started = True
            if self.fast_write:  # see the fast write's note below
                self.conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        communities, outside = chunk.communities, []
        if chunk.unsure_community:
            communities, outside = self.place(chunk)
        ids, segment, distance = snapped()
        lines = []
        for k in chunk.order:
            community = communities[k]
            if community is None:
                continue  # outside the district: rejected
            if segment[k] is None:
                lines.append(f"{ids[k]}\t{heads[k]}{community}\t{NULL}\t{NULL}\n")
            else:
                lines.append(f"{ids[k]}\t{heads[k]}{community}\t{segment[k]}\t{distance[k]!r}\n")
        body = io.StringIO("".join(lines))
        # One read of the whole chunk: each read takes the GIL, which the checking thread holds
        # for up to the switch interval (5 ms) at a time; 8 KB reads waited seconds in all.
        self.conn.connection.driver_connection.cursor().copy_expert(
            COPY_ISSUES, body, size=len(body.getvalue()) + 1
        )
        placed = [s for s, c in zip(segment, communities, strict=True) if c is not None]
        return len(lines), sum(s is not None for s in placed), outside

    def place(self, chunk: CheckedChunk) -> tuple[list[int | None], list[Reject]]:
        edge = [k for k, community in enumerate(chunk.communities) if community is None]
        found = self.conn.execute(text(PLACE), {
            "k": edge,
            "lon": [chunk.rows[k][1] for k in edge],
            "lat": [chunk.rows[k][2] for k in edge],
        }).all()
        communities = list(chunk.communities)
        for k, community in found:
            communities[k] = community
        outside = [
            Reject(chunk.rows[k][0], f"the point ({pg_float(chunk.rows[k][1])}, "
                   f"{pg_float(chunk.rows[k][2])}) lies outside the district")
            for k in edge if communities[k] is None
        ]
        return communities, outside

    def finish(self) -> Written:
        try:
            self.collect()
        finally:
            self.executor.shutdown(wait=True)
        if self.started and self.fast_write:
            self.conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        return self.written

    def abandon(self) -> None:
        """Wait for the chunk being written, drop the one waiting (their errors, if any, are
        dropped for the caller's)."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def row_heads(rows: list[tuple], points: list[str], source: str, now: str) -> list[str]:
    """Each row's COPY text for ISSUE_COLUMNS from `geom` to `address`, tab-ended."""
    source = source.translate(ESCAPED)
    heads = []
    for (_, _, _, code, description, at, reporter, address), point in zip(rows, points,
                                                                          strict=True):
        at = now if at is None else str(at)  # once for both columns (updated_at = reported_at)
        reporter = NULL if reporter is None else reporter.translate(ESCAPED)
        address = NULL if address is None else address.translate(ESCAPED)
        heads.append(f"{point}\t{code.translate(ESCAPED)}\t{description.translate(ESCAPED)}"
                     f"\treported\t{at}\t{at}\t{source}\t{reporter}\t{address}\t")
    return heads


# The fast write. Per-row foreign-key triggers took half the writing time (7 of 14 s for 200,000
# rows at 1M issues), yet the checks have already resolved every row's category, community and
# segment. So, when the role may set session_replication_role (a superuser, as in the embedded
# cluster; on an external PostGIS, `GRANT SET ON PARAMETER session_replication_role TO <role>`),
# the rows go in with the replica role, which skips the foreign-key triggers; the SHARE locks,
# taken before the checks, keep the referenced rows from changing until commit, as the triggers'
# row locks would (and keep the network the snapping read valid, in either role).
# The change-counter triggers fire in any role (ENABLE ALWAYS, migration 0007), so tiles stay
# fresh; tests/roads/issues/test_import_fast_write.py fails if another trigger on `issue` would be
# skipped. The replica role ends with the import (a failed import rolls back to its savepoint,
# which undoes the SET LOCAL too).
LOCK_REFERENCED = "LOCK TABLE public.issue_category, community, road_segment IN SHARE MODE"


def may_skip_row_triggers(conn: Connection) -> bool:
    return conn.exec_driver_sql(
        "SELECT has_parameter_privilege('session_replication_role', 'SET')"  # PostgreSQL 15+
    ).scalar_one()

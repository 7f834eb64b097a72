"""The change counters of the tables the tiles read, shared by the service's worker processes.

One small memory-mapped file holds each counted table's latest known counter (the sum of its
`table_version_shard` rows, which rises with every committed write and never repeats). A tile
request reads it without a database round trip; it is raised by
- the API's own writes: after the commit, before the response (gis_service/db.py), and
- every other writer (CLI, imports, psql): the counter trigger notifies `roadchief_tables` at
  commit (migration 0018) and each worker's VersionListener re-reads the counters.
Values only rise, except at start-up, where they are set to the database's (a restored backup
may have lower counters than the file remembers).
"""

import fcntl
import logging
import mmap
import select
import struct
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import Connection, Engine, text

CHANNEL = "roadchief_tables"
COUNTERS_SQL = "SELECT table_name, version FROM public.table_version"
UNCOUNTED = -1  # the table has no change counter (tiles reading it are never cached)
SLOT = struct.Struct("<q")

log = logging.getLogger("roadchief.tiles")


def table_versions(conn: Connection) -> dict[str, int]:
    """Each district table's change counter, bumped by a statement trigger on every write."""
    return dict(conn.execute(text(COUNTERS_SQL)).all())


class SharedVersions:
    """Counters in a file mapped by every worker: slot 0 a sequence number, then one per table.

    Writers take an exclusive flock and bump the sequence before and after writing (odd while
    writing); readers take no lock and retry when the sequence was odd or moved (a seqlock)."""

    def __init__(self, path: Path, tables: Iterable[str]):
        self.tables = tuple(sorted(set(tables)))
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a+b")  # noqa: SIM115 - kept open for the mapping's lifetime
        size = SLOT.size * (1 + len(self.tables))
        if path.stat().st_size < size:
            self._file.truncate(size)
        self._map = mmap.mmap(self._file.fileno(), size)
        self._format = struct.Struct(f"<{1 + len(self.tables)}q")

    def read(self) -> dict[str, int]:
        """The counters, without the uncounted tables."""
        while True:
            seq, *values = self._format.unpack_from(self._map)
            if seq % 2 == 0 and SLOT.unpack_from(self._map)[0] == seq:
                return {table: value for table, value in zip(self.tables, values, strict=True)
                        if value != UNCOUNTED}

    def publish(self, counters: Mapping[str, int], replace: bool = False) -> None:
        """Raise each table's counter to the database's (`replace`: set it, at start-up)."""
        fcntl.flock(self._file, fcntl.LOCK_EX)
        try:
            seq, *values = self._format.unpack_from(self._map)
            new = [counters.get(table, UNCOUNTED) for table in self.tables]
            if not replace:
                new = [UNCOUNTED if fresh == UNCOUNTED else max(old, fresh)
                       for old, fresh in zip(values, new, strict=True)]
            if new == values:
                return
            SLOT.pack_into(self._map, 0, seq + 1)
            self._format.pack_into(self._map, 0, seq + 1, *new)
            SLOT.pack_into(self._map, 0, seq + 2)
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def refresh(self, conn: Connection, replace: bool = False) -> None:
        self.publish(table_versions(conn), replace)

    def close(self) -> None:
        self._map.close()
        self._file.close()


class VersionListener:
    """A thread holding a LISTEN connection; each notification re-reads the counters.

    `connected` is false until the first LISTEN and while reconnecting: the tile route then reads
    the counters from the database instead, so a lost connection costs speed, not freshness."""

    def __init__(self, engine: Engine, versions: SharedVersions, retry_s: float = 1.0):
        self.engine = engine
        self.versions = versions
        self.retry_s = retry_s
        self.connected = threading.Event()
        self.refreshes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tile-version-listener", daemon=True)

    def start(self, wait_s: float = 10.0) -> None:
        self._thread.start()
        self.connected.wait(wait_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self._listen(replace=first)
            except Exception:  # noqa: BLE001 - a dropped connection must not end the thread
                log.exception("tile version listener lost its connection; reconnecting")
            self.connected.clear()
            first = False
            self._stop.wait(self.retry_s)

    def _listen(self, replace: bool) -> None:
        raw = self.engine.raw_connection()
        raw.detach()  # its own connection for good, not one of the request pool's
        dbapi = raw.dbapi_connection
        try:
            dbapi.autocommit = True
            with dbapi.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
                self._refresh(cursor, replace)  # after LISTEN: no commit falls in between
                self.connected.set()
                while not self._stop.is_set():
                    if select.select([dbapi], [], [], 1.0)[0]:
                        dbapi.poll()
                        if dbapi.notifies:
                            dbapi.notifies.clear()
                            self._refresh(cursor, replace=False)
        finally:
            dbapi.close()

    def _refresh(self, cursor, replace: bool) -> None:
        cursor.execute(COUNTERS_SQL)
        self.versions.publish(dict(cursor.fetchall()), replace)
        self.refreshes += 1


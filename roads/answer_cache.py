"""Answers of read-only queries kept between writes, in the process.

An answer is keyed by what it was asked (a name and its parameters) and by the change counters of
every table it reads (public.table_version: raised by each committed write, never repeated), so a
kept answer is never stale: after a write its key is not asked for again and it ages out. Each
worker process keeps its own; the counters are read from the database on every call (one small
query), so a write through any worker, the CLI or psql is seen by the next call after its commit.

Only an answer computed in a transaction that has written nothing is kept: its snapshot holds
committed data only, and the counters are read before the answer is computed, so the answer is at
least as new as its key. (A transaction's own writes raise counters that a rollback hands back.)
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from copy import deepcopy
from typing import TypeVar

from sqlalchemy import Connection, text

T = TypeVar("T")

KEY_SQL = text("""
    SELECT pg_current_xact_id_if_assigned() IS NULL AS clean,
           array_agg(v.version ORDER BY v.table_name) AS versions,
           count(*) AS counted
    FROM public.table_version AS v
    WHERE v.table_name = ANY (CAST(:tables AS text[]))
""")


class AnswerCache:
    """The latest `size` answers; callers get a copy, so they may change what they are handed."""

    def __init__(self, size: int = 32):
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: Connection, name: str, tables: Sequence[str], params: Hashable,
            compute: Callable[[], T], copy: bool = True) -> T:
        """`compute()`'s answer, kept for the same name, params and counters of `tables`.
        `copy=False`: the kept object itself, for callers that never change it (a large frame)."""
        tables = sorted(set(tables))
        row = conn.execute(KEY_SQL, {"tables": tables}).one()
        if not row.clean or row.counted != len(tables):  # a write in this transaction, or uncounted
            return compute()
        key = (name, params, tuple(row.versions))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return deepcopy(self._entries[key]) if copy else self._entries[key]
            self.misses += 1
        answer = compute()
        with self._lock:
            self._entries[key] = deepcopy(answer) if copy else answer
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return answer

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def window_ended(conn: Connection, end) -> bool:
    """Whether a window ending at `end` is over by the transaction's now(): only then are figures
    that count "overdue at LEAST(now(), end)" fixed, and so worth keeping."""
    return conn.execute(text("SELECT now() >= :end"), {"end": end}).scalar_one()


ANSWERS = AnswerCache()

"""Rendered tiles: an in-process LRU (TileCache) and, in front of it for several worker
processes, a store of files shared by all of them (TileStore).

Keys come from layers.tiles.tile_key and carry the change counters of the tables a layer
reads, so an entry is never stale: after a write its key is simply never asked for again and
ages out. Any number of caches may therefore hold the same key without talking to each other.
"""

import gzip
import hashlib
import os
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
GZIP_LEVEL = 1  # 2-3x faster than 5 and about 9% larger on our tiles; paid on every miss


@dataclass
class CachedTile:
    raw: bytes
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def compressed(cls, raw: bytes) -> "CachedTile":
        """Both bodies made now, once, so that no hit pays for gzip."""
        return cls(raw, gzip.compress(raw, GZIP_LEVEL, mtime=0))

    @property
    def gzipped(self) -> bytes:
        """Compressed once, on first use (a race only compresses twice)."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.raw, GZIP_LEVEL, mtime=0)
        return self._gzipped

    @property
    def size(self) -> int:
        """What the entry may come to hold: its raw bytes and, at most as many, gzipped."""
        return 2 * len(self.raw) + 64


class TileCache:
    def __init__(self, max_entries: int, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple, CachedTile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedTile | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def lookup(self, key: tuple) -> tuple[CachedTile | None, str]:
        """As TileStore.lookup: the tile and "memory", or None."""
        return self.get(key), "memory"

    def put(self, key: tuple, raw: bytes) -> CachedTile:
        return self.put_entry(key, CachedTile(raw))

    def put_entry(self, key: tuple, entry: CachedTile) -> CachedTile:
        if self.max_entries <= 0 or entry.size > self.max_bytes:
            return entry
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            self._evict()
        return entry

    def _evict(self) -> None:
        while self._entries and (len(self._entries) > self.max_entries
                                 or self._bytes > self.max_bytes):
            _, entry = self._entries.popitem(last=False)
            self._bytes -= entry.size

    def __len__(self) -> int:
        return len(self._entries)


HEADER = struct.Struct("<I")  # the raw body's length; the gzipped body follows it
FORMAT = "v1"  # part of every file's name: a new layout never reads an old one's files


class TileStore:
    """Tiles as files under `folder`, one per key (raw and gzipped body), shared by every worker.

    A file is written to a temporary name and renamed into place, so a reader sees a whole tile
    or none; the kernel's page cache keeps the files in memory. `front`, a small LRU of this
    process, saves the file read on the hottest tiles. The folder is kept under `max_bytes`:
    after each `max_bytes / 8` written by this process it is swept, the least recently used
    files (by mtime, renewed when a file is read) going first, down to three quarters."""

    def __init__(self, folder: Path, max_bytes: int, front: TileCache):
        self.folder = folder
        self.max_bytes = max_bytes
        self.front = front
        self.hits = 0  # from the files: rendered by this or another worker
        self._written = 0
        self._sweep_lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, key: tuple) -> Path:
        digest = hashlib.sha1(repr((FORMAT, key)).encode()).hexdigest()
        return self.folder / digest[:2] / digest[2:]

    def lookup(self, key: tuple) -> tuple[CachedTile | None, str]:
        """The tile and where it came from ("memory" or "shared"), or None."""
        entry = self.front.get(key)
        if entry is not None:
            return entry, "memory"
        return self.lookup_file(key)

    def lookup_file(self, key: tuple) -> tuple[CachedTile | None, str]:
        """The tile from the files (rendered by this or another worker): "shared", or None."""
        path = self.path(key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except FileNotFoundError:
            return None, ""
        (raw_len,) = HEADER.unpack_from(data)
        entry = CachedTile(data[HEADER.size:HEADER.size + raw_len], data[HEADER.size + raw_len:])
        self.hits += 1
        return self.front.put_entry(key, entry), "shared"

    def put(self, key: tuple, raw: bytes) -> CachedTile:
        entry = self.front.put_entry(key, CachedTile.compressed(raw))
        path = self.path(key)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        body = HEADER.pack(len(entry.raw)) + entry.raw + entry.gzipped
        try:
            temporary.write_bytes(body)
        except FileNotFoundError:  # its folder's first tile (a mkdir on every put cost 5-10 µs)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(body)
        os.replace(temporary, path)
        self._written += entry.size
        if self._written > self.max_bytes // 8:
            self.sweep()
        return entry

    def sweep(self) -> None:
        """Remove the least recently used files until the folder is under 3/4 of its bound."""
        if not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._written = 0
            files = []
            for sub in os.scandir(self.folder):
                if sub.is_dir():
                    for item in os.scandir(sub.path):
                        try:
                            stat = item.stat()
                        except FileNotFoundError:
                            continue
                        files.append((stat.st_mtime, stat.st_size, item.path))
            total = sum(size for _, size, _ in files)
            if total <= self.max_bytes:
                return
            files.sort()
            for _, size, name in files:
                if total <= self.max_bytes * 3 // 4:
                    break
                try:
                    os.unlink(name)
                except FileNotFoundError:
                    pass
                total -= size
        finally:
            self._sweep_lock.release()

    def total_bytes(self) -> int:
        return sum(item.stat().st_size for sub in os.scandir(self.folder) if sub.is_dir()
                   for item in os.scandir(sub.path))

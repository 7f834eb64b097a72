from layers.cache import TileCache


def test_least_recently_used_tiles_go_first():
    cache = TileCache(max_entries=2)
    cache.put(("a",), b"1")
    cache.put(("b",), b"2")
    assert cache.get(("a",)).raw == b"1"  # a is now the most recent
    cache.put(("c",), b"3")
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None


def test_the_byte_limit_holds():
    cache = TileCache(max_entries=100, max_bytes=1000)
    for i in range(10):
        cache.put((i,), bytes(200))
    assert 0 < len(cache) <= 2
    assert cache.get((9,)) is not None


def test_gzip_round_trips():
    import gzip

    entry = TileCache(10).put(("t",), b"tile" * 100)
    assert gzip.decompress(entry.gzipped) == b"tile" * 100

"""Start-up of the tile cache the worker processes share (settings.tile_versions == "shared")."""

from contextlib import ExitStack

from fastapi import FastAPI

from gis_service.db import tile_engine
from gis_service.settings import Settings
from layers.cache import DEFAULT_MAX_BYTES, TileCache, TileStore
from layers.registry import TILE_LAYERS
from layers.versions import SharedVersions, VersionListener


def start_shared_tiles(app: FastAPI, settings: Settings) -> ExitStack:
    """The shared counters, their LISTEN thread, the file store and the connections misses are
    rendered on, on app.state; what closes them."""
    closing = ExitStack()
    app.state.tile_versions = None
    app.state.tile_store = None
    app.state.tile_engine = None
    if settings.tile_versions != "shared":
        return closing
    folder = settings.tile_cache_dir
    versions = SharedVersions(folder / "versions", (t for layer in TILE_LAYERS.values()
                                                     for t in layer.tables))
    closing.callback(versions.close)
    listener = VersionListener(app.state.engine, versions)
    listener.start()  # LISTEN, then the counters read and set: every worker starts fresh
    closing.callback(listener.stop)
    app.state.tile_listener = listener
    app.state.tile_versions = versions
    front = TileCache(settings.tile_cache_size, DEFAULT_MAX_BYTES)
    app.state.tile_engine = tile_engine(app.state.engine, settings)
    closing.callback(app.state.tile_engine.dispose)
    app.state.tile_store = TileStore(folder / "store", settings.tile_cache_max_mb * 1024 * 1024, front)
    return closing

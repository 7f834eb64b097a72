"""Start-up of the tile cache the worker processes share (settings.tile_versions == "shared")."""

import logging
import threading
from contextlib import ExitStack

from fastapi import FastAPI

from gis_service.db import tile_engine
from gis_service.settings import Settings
from layers.cache import DEFAULT_MAX_BYTES, TileCache, TileStore
from layers.registry import TILE_LAYERS
from layers.tiles import warm_connections
from layers.versions import SharedVersions, VersionListener

log = logging.getLogger("roadchief.tiles")


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
    if settings.tile_warm_up:
        warming = threading.Thread(target=warm_tile_connections, name="tile-connections-warm-up",
                                   args=(app.state.tile_engine, settings.tile_db_connections),
                                   daemon=True)
        warming.start()  # in the background: the service answers meanwhile
        closing.callback(warming.join, 30)
    app.state.tile_store = TileStore(folder / "store", settings.tile_cache_max_mb * 1024 * 1024, front)
    return closing


def warm_tile_connections(engine, count: int) -> None:
    """The tile pool opened and warmed before the first misses come (which would otherwise each
    open a connection and pay its first tile's loading), logging instead of failing."""
    try:
        warm_connections(engine, count)
    except Exception:  # noqa: BLE001 - a database not up yet only costs the first tiles speed
        log.warning("tile connections not warmed up", exc_info=True)

"""`roadchief serve`: the API and the web map."""

import os
from typing import Annotated

import typer

from gis_service.cli.common import engine
from gis_service.settings import Settings
from gis_service.tls import tls_options


def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default ROADCHIEF_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ROADCHIEF_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (default: the cores this process may run on).")] = None,
) -> None:
    """Serve the API and the web map (starting the embedded database when no DATABASE_URL is set);
    HTTPS when ROADCHIEF_TLS_CERT and ROADCHIEF_TLS_KEY are set."""
    import uvicorn  # only the server needs it: see __init__

    settings = Settings()
    tls = tls_options(settings)  # refused before the database starts: the mistake is the config
    engine(settings).dispose()
    uvicorn.run("gis_service.main:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers or default_workers(), log_level="info",
                server_header=False, **tls)


def default_workers() -> int:
    """One per core: a worker is one Python process, so more cannot run at once. The cores this
    process may use (a container's or taskset's), not the machine's."""
    return len(os.sched_getaffinity(0))

"""Settings from environment variables and an optional `.env` (pydantic-settings)."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Everything the service and the CLI can be told; prefix `ROADCHIEF_`, plus `DATABASE_URL`."""

    model_config = SettingsConfigDict(
        env_prefix="ROADCHIEF_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="External PostGIS; when set, no embedded cluster is started.",
    )
    # With an external DATABASE_URL (the owner, for the CLI and migrations), the service's own
    # least-privilege login; unset, the service uses DATABASE_URL too.
    app_database_url: str | None = None
    data_dir: Path = Field(default=PROJECT_DIR / "var" / "pgdata")
    pg_port: int = 55432
    host: str = "127.0.0.1"
    port: int = 8000
    snap_distance_m: float = 50.0
    duplicate_radius_m: float = 50.0  # a report this close to an open case of its category may repeat it
    chief_length_limit_m: float = 20_000.0
    basemap_url: str | None = None
    # Other sites allowed to call the API and fetch tiles from a browser (a city dashboard's
    # MapLibre map): comma-separated origins, e.g. "https://dash.example.cn,http://10.0.0.5:8080".
    cors_origins: str = ""
    upload_max_bytes: int = 50 * 1024 * 1024
    # What a zipped upload (Shapefile, XLSX) may unpack to; a member over 1 MB may be compressed
    # at most 100:1 (roads/archive.py).
    upload_max_unpacked_bytes: int = 500 * 1024 * 1024
    # Anonymous Open311 reports (POST /open311/v2/requests.json) one client address may send a
    # minute; counted in the database, so the limit holds across worker processes.
    open311_requests_per_minute: int = 10
    # Tiles each worker keeps in its own memory (and at most 512 MB), in front of the shared store.
    tile_cache_size: int = 20_000
    # "shared": rendered tiles are files under tile_cache_dir shared by all workers (at most
    # tile_cache_max_mb), keyed on change counters the workers share in memory, kept current by
    # LISTEN/NOTIFY and by the API's own writes (layers/versions.py); a hit costs no database round
    # trip. "query": each worker its own in-memory cache, and every tile request reads the counters
    # in its own transaction (the tests, whose requests share one uncommitted transaction, or a
    # database behind a pooler without LISTEN).
    tile_versions: Literal["shared", "query"] = "shared"
    tile_cache_dir: Path = Field(default=PROJECT_DIR / "var" / "tiles")
    tile_cache_max_mb: int = 2048
    # TileJSON tile URLs name the current versions of the layer's tables (`?v=`), and those tiles
    # are sent as immutable, so a cache in front (deploy/nginx.conf) keeps them for good. The
    # price: a client keeps the versions of the TileJSON it loaded until it loads it again.
    tile_url_versions: bool = False
    photo_dir: Path = Field(default=PROJECT_DIR / "var" / "photos")
    # MapLibre glyph ranges built from the installed CJK font on first request (layers/glyphs.py).
    glyph_cache_dir: Path = Field(default=PROJECT_DIR / "var" / "glyphs")
    token_idle_minutes: int = 120  # a token unused this long expires (besides its 7-day life)
    db_pool_size: int = 10  # connections kept per worker process; more open up to worker_threads
    # Threads for the sync routes (anyio's default, 40), the most requests in progress at once
    # (gis_service/admission.py) and the pool's ceiling: an admitted request always finds a thread
    # and a connection. The rest wait holding nothing, up to queue_timeout_s, then get 503.
    worker_threads: int = 40
    queue_timeout_s: float = 5.0
    db_pool_timeout_s: float = 2.0  # a request still waiting this long for a connection gets 503
    # A writer waiting this long for another's segment lock gets 409 with the current holder.
    db_lock_timeout_ms: int = 2000
    # Connections each worker renders tile misses on (with the shared tile cache), kept open and
    # never more: a miss costs the database CPU, and on a few cores more renders at once only
    # queue there; misses beyond it wait for one of them (up to queue_timeout_s, then 503).
    tile_db_connections: int = 8
    # Open them all at start and render an empty tile of each layer on each (in the background), so
    # the first misses do not pay for new backends; off in the tests, where every app is short-lived.
    tile_warm_up: bool = True
    # Where people reach the service (http://10.1.2.3:8000): the links in work-group messages.
    public_url: str = "http://127.0.0.1:8000"
    # The outbox sender in each service process: every notify_interval_s it posts what is due
    # (0: no sender in the service; run `roadchief notify send` from cron instead).
    notify_interval_s: float = 10.0
    notify_max_attempts: int = 5  # then the message is kept as failed
    notify_backoff_s: float = 30.0  # the wait before the n-th retry is this × 2^(n-1)
    notify_timeout_s: float = 5.0  # a robot that has not answered by then is retried later

    def notify_policy(self):
        from roads.notify_sender import Policy

        return Policy(max_attempts=self.notify_max_attempts, backoff_s=self.notify_backoff_s,
                      timeout_s=self.notify_timeout_s, public_url=self.public_url)

    # The reports that write themselves (日报, 周报, 旬报): their folder, and the in-process
    # scheduler's check every report_check_s (0: none in the service; `roadchief report` from cron).
    # Times on the district's clock: the daily report of yesterday at report_daily_at, the weekly of
    # last week on Mondays at report_weekly_at, the dekad's on the 1st, 11th and 21st.
    report_dir: Path = Field(default=PROJECT_DIR / "var" / "reports")
    report_check_s: float = 60.0
    report_daily_at: str = Field(default="07:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    report_weekly_at: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    report_dekad_at: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")

    def report_times(self) -> dict[str, str]:
        return {"daily": self.report_daily_at, "weekly": self.report_weekly_at, "dekad": self.report_dekad_at}

    # HTTPS: both set, `roadchief serve` speaks TLS (browsers give geolocation to secure pages only).
    tls_cert: Path | None = None
    tls_key: Path | None = None

    def cors_origin_list(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]


def get_settings() -> Settings:
    return Settings()

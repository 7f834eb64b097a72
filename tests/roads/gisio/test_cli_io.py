"""The CLI: `roadchief import ... --dry-run` reports without writing; `export layer` writes a file."""

import json

import geopandas as gpd
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gis_service.cli import app
from tests.roads.gisio.helpers import NANJING_BOUNDARIES, NANJING_OSM


@pytest.fixture
def cli_env(cluster, engine, monkeypatch):
    """The CLI against the test database with the demo district in it (`engine` loads it)."""
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    return CliRunner()


def test_import_dry_run_prints_a_summary_and_writes_nothing(cli_env, engine):
    result = cli_env.invoke(
        app,
        [
            "import",
            "sub_districts",
            str(NANJING_BOUNDARIES / "sub_districts.geojson"),
            "--dry-run",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["created"] == 2 and summary["dry_run"] is True
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM sub_district WHERE code LIKE 'NJ-%'")).scalar()
            == 0
        )


def test_import_refusal_is_a_clear_message_and_exit_1(cli_env, tmp_path):
    bad = tmp_path / "roads.csv"
    bad.write_text('name,wkt\n横路,"LINESTRING(100 30,100.1 30)"\n', encoding="utf-8")
    result = cli_env.invoke(app, ["import", "roads", str(bad)])
    assert result.exit_code == 1
    assert (
        "does not say its coordinate system" in result.output
        and "nothing was written" in result.output
    )


def test_osm_import_outside_the_demo_district_reports_it(cli_env):
    result = cli_env.invoke(app, ["import", "roads", str(NANJING_OSM), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "read 383 features" in result.output and "outside the district" in result.output


def test_export_layer_writes_a_geopackage(cli_env, tmp_path):
    out = tmp_path / "segments.gpkg"
    result = cli_env.invoke(app, ["export", "layer", "segments", str(out)])
    assert result.exit_code == 0, result.output
    assert "features written" in result.output
    assert len(gpd.read_file(out)) > 2000


def test_export_unknown_layer_is_refused(cli_env, tmp_path):
    result = cli_env.invoke(app, ["export", "layer", "chiefs", str(tmp_path / "c.gpkg")])
    assert result.exit_code == 1 and "unknown layer 'chiefs'" in result.output


def test_a_committed_import_is_logged(cli_env, engine):
    import getpass

    path = NANJING_BOUNDARIES / "sub_districts.geojson"
    try:
        result = cli_env.invoke(app, ["import", "sub_districts", str(path)])
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            run = conn.execute(
                text(
                    "SELECT layer, filename, created_count, imported_by "
                    "FROM import_run ORDER BY id DESC LIMIT 1"
                )
            ).one()
        assert tuple(run) == ("sub_districts", "sub_districts.geojson", 2, getpass.getuser())
    finally:  # committed: put the session's database back as the other tests expect it
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM sub_district WHERE code LIKE 'NJ-%'"))
            conn.execute(text("DELETE FROM import_run"))

import os

from typer.testing import CliRunner

from gis_service.cli import app
from gis_service.cli.serve import default_workers


def test_serve_starts_one_worker_per_core_by_default():
    assert default_workers() == len(os.sched_getaffinity(0)) >= 1
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "default: the cores" in result.output

"""`roadchief report daily|weekly|dekad --date D`: the period containing D, its files printed."""

from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from gis_service.cli import app


def test_the_cli_writes_the_weekly_report_of_a_day_and_prints_its_files(cluster, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    monkeypatch.setenv("ROADCHIEF_REPORT_DIR", str(tmp_path))
    try:
        result = CliRunner().invoke(app, ["report", "weekly", "--date", "2025-06-11"])
        assert result.exit_code == 0, result.output
        assert "周报 2025年6月第2周（6月9日—6月15日）" in result.output
        printed = [Path(line) for line in result.output.splitlines() if line.startswith(str(tmp_path))]
        assert [p.name for p in printed] == ["weekly-2025-W24.pdf", "weekly-2025-W24.xlsx"]
        assert all(p.is_file() for p in printed)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM public.report WHERE kind = 'weekly' AND period_start = '2025-06-09'"))


def test_the_cli_refuses_a_period_not_ended_and_an_unknown_kind(cluster, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    monkeypatch.setenv("ROADCHIEF_REPORT_DIR", str(tmp_path))
    running = CliRunner().invoke(app, ["report", "dekad", "--date", "2999-01-05"])
    assert running.exit_code == 1 and "尚未结束" in running.output
    unknown = CliRunner().invoke(app, ["report", "monthly"])
    assert unknown.exit_code == 1 and "旬报" in unknown.output
    assert not any(tmp_path.iterdir())

"""`roadchief export red-black-list --week ...`: the same 红黑榜 as the API, refused alike for a future week."""

from typer.testing import CliRunner

from gis_service.cli import app as cli_app
from roads.shops.weeks import label
from tests.roads.shops.conftest import weeks_ago


def test_the_cli_writes_the_red_black_list_pdf_and_workbook(engine, settings, tmp_path):
    env = {"DATABASE_URL": settings.database_url}
    week = label(weeks_ago(2))
    for suffix, magic in ((".pdf", b"%PDF"), (".xlsx", b"PK")):
        out = tmp_path / f"rbl{suffix}"
        result = CliRunner().invoke(cli_app, ["export", "red-black-list", "--week", week, "--out", str(out)],
                                    env=env)
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
    future = CliRunner().invoke(cli_app, ["export", "red-black-list", "--week", "2999-W01"], env=env)
    assert future.exit_code != 0 and "2999-W01" in future.output

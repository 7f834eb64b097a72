"""What every `roadchief` command shares: settings, the engine, the console, and the one place
where an error becomes a message and an exit code (RoadchiefGroup, the root group's class)."""

import getpass

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import ProgrammingError
from typer.core import TyperGroup

from gis_service.db import check_connection, make_engine, resolve_database_url
from gis_service.pg_cluster import ClusterError
from gis_service.settings import Settings
from roads.errors import InvalidInput, RoadchiefError, Unavailable
from roads.users import User

console = Console()
SHOWN_ROWS = 20

# kind -> (exit code, what the command did about it). Scripts tell a refusal (1) from typer's usage
# errors (2) and success (0), and match the English message for the why; so every kind exits 1.
# A refused command wrote nothing (each runs in one transaction, files are written last).
REFUSED = (1, "nothing was written")
OUTCOME = {
    "invalid": REFUSED,
    "bad_request": REFUSED,
    "unauthorized": REFUSED,
    "forbidden": REFUSED,
    "not_found": REFUSED,
    "conflict": REFUSED,
    "too_large": REFUSED,
    "too_many_requests": REFUSED,
    "unavailable": (1, None),
}
NO_TABLE = ("42P01", "42883")  # undefined table, undefined function: the schema is not there


def engine(settings: Settings | None = None) -> Engine:
    """An engine on the configured database (starting the embedded cluster), checked to answer."""
    made = make_engine(resolve_database_url(settings or Settings()))
    check_connection(made)
    return made


def print_error(exc: RoadchiefError) -> None:
    """`error: <English>`, the Chinese line, then the rows the error names (rejects, unmatched)."""
    rows = exc.extra.get("rejects") or exc.extra.get("unmatched") or []
    if rows:
        table = Table("row", "why", title=f"rows refused ({len(rows):,})")
        for row in rows[:SHOWN_ROWS]:
            table.add_row(str(row["row"]), escape(row["reason"]))
        console.print(table)
        if len(rows) > SHOWN_ROWS:
            console.print(f"... and {len(rows) - SHOWN_ROWS:,} more")
    _code, outcome = OUTCOME[exc.kind]
    english = f"{exc.public_message}; {outcome}" if outcome else exc.public_message
    # soft_wrap: a message is one line whatever the terminal's width, so it can be grepped
    console.print("[red]error:[/red] " + escape(english), soft_wrap=True, highlight=False)
    console.print("[red]错误：[/red]" + escape(exc.message_zh), soft_wrap=True, highlight=False)


def as_roadchief_error(exc: Exception) -> RoadchiefError | None:
    """The errors of the tools under the commands, in the domain's terms; None for a bug."""
    if isinstance(exc, RoadchiefError):
        return exc
    if isinstance(exc, ClusterError):
        return Unavailable(str(exc), exc.message_zh)
    if isinstance(exc, OSError):  # a file named on the command line that cannot be read or written
        return InvalidInput(str(exc), f"{exc.filename or '文件'}：{file_problem_zh(exc)}")
    if isinstance(exc, ProgrammingError) and getattr(exc.orig, "pgcode", None) in NO_TABLE:
        return Unavailable(
            "the database has no district yet: run `roadchief db migrate` and "
            "`roadchief demo load` (or import one) first",
            "数据库中还没有辖区数据：请先运行 roadchief db migrate 和 roadchief demo load（或导入数据）",
        )
    return None


def file_problem_zh(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件或文件夹不存在"
    if isinstance(exc, PermissionError):
        return "没有读写该文件的权限"
    if isinstance(exc, IsADirectoryError):
        return "这是文件夹，不是文件"
    return "无法读写该文件"


class RoadchiefGroup(TyperGroup):
    """The root command: every subcommand runs inside its invoke, so errors are reported here."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (RoadchiefError, ClusterError, ProgrammingError, OSError) as exc:
            error = as_roadchief_error(exc)
            if error is None:
                raise
            print_error(error)
            raise typer.Exit(OUTCOME[error.kind][0]) from exc


def operator() -> User:
    """Who the command line acts as: whoever can run it on the server is the district's admin."""
    return User(0, f"cli:{getpass.getuser()}", "district_admin")

"""`roadchief district set|show`: the district's name, short name, code, time zone and projection."""

from typing import Annotated

import typer

from gis_service.cli.common import console, engine
from roads.district import District, get_district, set_district

app = typer.Typer(help="The district: its name and settings.", no_args_is_help=True)

LABELS = {"name": "名称", "short_name": "简称", "code": "区划代码", "timezone": "时区",
          "epsg": "米制投影 EPSG"}


def show_district(district: District) -> None:
    for field, value in district.as_dict().items():
        console.print(f"{LABELS[field]} ({field}): {value if value is not None else '—'}", markup=False)


@app.command("set")
def district_set(
    name: Annotated[str | None, typer.Option(help="Full name shown in titles (郑州经开区).")] = None,
    short_name: Annotated[str | None, typer.Option(help="Short name in exports and file names (经开区).")] = None,
    code: Annotated[str | None, typer.Option(help="Administrative division code (410171).")] = None,
    timezone: Annotated[str | None, typer.Option(help="Time zone of the times people read.")] = None,
    epsg: Annotated[int | None, typer.Option(help="Projected CRS in metres for lengths (4547).")] = None,
) -> None:
    """Set the district's fields given; the others keep their value."""
    with engine().begin() as conn:
        district = set_district(conn, name, short_name, code, timezone, epsg)
    show_district(district)


@app.command("show")
def district_show() -> None:
    """Print the district's fields."""
    with engine().connect() as conn:
        show_district(get_district(conn))

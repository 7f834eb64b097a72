"""`roadchief user ...`: create users, and the demo users printed by `make serve`."""

from typing import Annotated

import typer
from rich.table import Table

from gis_service.cli.common import console, engine
from roads.demo.users import create_case_flow_users, create_chief_users, create_demo_users
from roads.users import add_user

app = typer.Typer(help="Users who sign in to the web map and the API.", no_args_is_help=True)


@app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(
        help="district_admin | sub_district_admin | community_admin | viewer | inspector | operator "
             "| dispatcher | unit_user | leader")],
    sub_district: Annotated[int | None, typer.Option(
        help="Sub-district id (sub_district_admin; the area of an inspector, operator or dispatcher).")] = None,
    community: Annotated[int | None, typer.Option(help="Community id (community_admin; or an area).")] = None,
    unit: Annotated[int | None, typer.Option(help="Unit id (unit_user).")] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[str | None, typer.Option(
        help="The password; asked for when not given.", prompt=True, hide_input=True,
        confirmation_prompt=True)] = None,
) -> None:
    """Create a user with a role (and the sub-district or community it administers)."""
    with engine().begin() as conn:
        user = add_user(conn, username, password or "", role, sub_district, community, name, unit)
    console.print(f"user {user.username} ({user.role}) created")


@app.command("demo")
def user_demo() -> None:
    """Create one demo user per role when there are no users yet (and the case-flow users:
    inspector, operator, dispatcher, a unit user per unit, a leader; and a road chief of each tier
    for the phone at /m), and print their passwords."""
    with engine().begin() as conn:
        created = create_demo_users(conn)
        if created:
            created += create_case_flow_users(conn) + create_chief_users(conn)
    if not created:
        console.print("users already exist; no demo users created (their passwords were printed "
                      "when they were made; `roadchief user add` creates more)")
        return
    table = Table(title="demo users (passwords shown once: note them)")
    for column in ("username", "password", "role", "scope"):
        table.add_column(column)
    for user in created:
        table.add_row(user["username"], user["password"], user["role"], user["scope"])
    console.print(table)

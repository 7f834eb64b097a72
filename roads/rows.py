"""One row written from a dict of columns: the INSERT-or-UPDATE that the editable tables share,
and the constraints it may break, told as domain errors."""

from typing import NoReturn

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import RoadchiefError


def write_row(conn: Connection, table: str, columns: list[str], values: dict, row_id: int | None) -> int:
    """INSERT a row of `columns` (row_id None) or UPDATE those columns of row `row_id`; returns its id.
    `table` and `columns` are code constants, never user input; the values are bound."""
    if row_id is None:
        return conn.execute(text(f"INSERT INTO public.{table} ({', '.join(columns)}) "
                                 f"VALUES ({', '.join(':' + c for c in columns)}) RETURNING id"),
                            values).scalar_one()
    if columns:
        conn.execute(text(f"UPDATE public.{table} SET {', '.join(f'{c} = :{c}' for c in columns)} "
                          "WHERE id = :id"), {**values, "id": row_id})
    return row_id


def refuse_by_constraint(exc: IntegrityError, errors: dict[str, RoadchiefError]) -> NoReturn:
    """Raise the domain error for the constraint `exc` broke (by name), else `exc` itself."""
    error = errors.get(exc.orig.diag.constraint_name)
    if error is None:
        raise exc
    raise error from exc

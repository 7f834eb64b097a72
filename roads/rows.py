"""One row written from a dict of columns: the INSERT-or-UPDATE that the editable tables share."""

from sqlalchemy import Connection, text


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

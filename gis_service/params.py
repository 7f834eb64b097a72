"""Parameter types shared by the routes: what the database can store, refused early with 422.

PostgreSQL's `integer` holds 32 bits and its text no NUL character; a larger number or a NUL that
reaches a query fails there as a 500, so the API's types stop them at validation."""

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

Int32 = Annotated[int, Ge(INT32_MIN), Le(INT32_MAX)]


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Text = Annotated[str, AfterValidator(no_nul)]

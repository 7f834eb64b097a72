"""One number in a report, as every instrument (issues, patrols, flags, dust, inspections) gives it.

An instrument offers `report_figures(conn, start, end) -> list[Figure]` for the half-open window
[start, end) of district-local days; the report calls it for the period and for the previous one
and writes the change between them.
"""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Figure:
    key: str                 # stable identifier, e.g. "shops_red"
    label_zh: str            # what the report prints, e.g. "红旗商户"
    value: float | int | None  # None when the period has nothing to measure
    unit_zh: str = ""        # "件", "家", "%", "g/m²"
    better: Literal["higher", "lower", "neither"] = "neither"  # which way is good news

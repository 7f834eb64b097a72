"""Spreadsheet-safe cell values: text a spreadsheet would run as a formula is made plain text.

OWASP "CSV injection": Excel, WPS and LibreOffice evaluate a cell that starts with = + - @ (and
a tab or carriage return before one of them), in XLSX and in CSV alike. A leading apostrophe
makes them show the text as it is. Only text is touched: numbers, negative ones too, stay numbers.
"""

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` unchanged, unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame):
    """A copy of a (Geo)DataFrame with every text column passed through `safe_cell`."""
    frame = frame.copy()
    for column in frame.columns:
        is_text = frame[column].dtype.kind in "OSU" or str(frame[column].dtype) in ("str", "string")
        if is_text and column != getattr(frame, "_geometry_column_name", None):
            frame[column] = frame[column].map(safe_cell)
    return frame

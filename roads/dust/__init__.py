"""Dust by the gram (以克论净): limits as data (limits.py), who cleans each segment (cleaners.py),
samples and the cases they open (samples.py, sheet.py), the numbers and rankings (numbers.py).

The rules live in tables: `dust_limit` (g/m² by surface, zone, road class), `dust_ring_zone`
(the polygons inside the ring road) and `segment_cleaner` (the company of each segment); the
numbers in one SQL function, roadchief.dust_by_segment (sql/functions/dust.sql)."""

from roads.dust.numbers import report_figures

__all__ = ["report_figures"]

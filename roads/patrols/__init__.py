"""Patrols of road chiefs: the rules per tier, recording GPS tracks (phone batches or GPX files),
their evaluation in SQL (sql/functions/patrols.sql) and compliance with the rules."""

"""Errors the export code raises on bad requests."""

from roads.errors import InvalidInput, NotFound


class InvalidExportInput(InvalidInput):
    """A malformed or contradictory parameter (422)."""


class UnknownExportTarget(NotFound):
    """An area or category id that does not exist (404)."""

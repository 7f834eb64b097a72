"""Why a file was refused as a whole; the CLI prints it, the API answers 422."""

from roads.errors import InvalidInput, NotFound


class BadFile(InvalidInput):
    """The file cannot be imported at all (not geodata, empty, no CRS, mixed geometry types ...)."""


class UnknownExportFormat(NotFound):
    """A download asked for a file suffix we do not write (404 on GET /api/exports/layers/...)."""

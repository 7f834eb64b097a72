"""Errors the export code raises on bad requests; gis_service turns them into 422 / 404 JSON."""


class InvalidExportInput(ValueError):
    """A malformed or contradictory parameter (422)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnknownExportTarget(LookupError):
    """An area or category id that does not exist (404)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

"""The ledger's domain errors; gis_service turns them into 4xx JSON (routes/ledger_route.py)."""


class LedgerError(Exception):
    """An error whose `public_message` is safe and useful to show the client."""

    kind = "invalid"

    def __init__(self, public_message: str, **extra):
        super().__init__(public_message)
        self.public_message = public_message
        self.extra = extra


class BadInput(LedgerError):
    """The request or file is wrong (422); nothing was written."""

    kind = "invalid"


class NotFoundError(LedgerError):
    kind = "not_found"


class IllegalTransition(LedgerError):
    """The workflow does not allow this step from the case's current status (409)."""

    kind = "conflict"

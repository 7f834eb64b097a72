"""The ledger's own error: a workflow step not allowed from the case's status (409)."""

from roads.errors import Conflict


class IllegalTransition(Conflict):
    """The workflow does not allow this step from the case's current status."""

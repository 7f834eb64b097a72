"""Domain errors of roads/: re-exported from gis_service.errors so CLI and API report them alike."""

from gis_service.errors import Conflict, Forbidden, InvalidInput, NotFound, RoadchiefError

__all__ = ["Conflict", "Forbidden", "InvalidInput", "NotFound", "RoadchiefError",
           "Unauthorized", "ChiefAlreadyAssigned"]


class Unauthorized(RoadchiefError):
    status_code = 401


class ChiefAlreadyAssigned(Conflict):
    """Someone else holds the segment at that tier; `extra` tells the client who."""

    def __init__(self, message: str, holder: dict | None):
        super().__init__(message)
        self.extra = {"holder": holder}

"""Why a file was refused as a whole; the CLI prints it, the API turns it into a 422."""


class BadFile(ValueError):
    """The file cannot be imported at all (not geodata, empty, no CRS, mixed geometry types ...)."""

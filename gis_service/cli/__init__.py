"""The `roadchief` command (entry point `gis_service.cli:app`): one module per command group.

Errors are reported in one place, the root group's class (common.RoadchiefGroup). Libraries that
take seconds to import (geopandas, matplotlib, uvicorn ...) are imported inside the commands that
use them, so `roadchief --help` starts in about 0.6 s rather than 2.8 s.
"""

import typer

from gis_service.cli import (
    assign,
    db,
    demo,
    district,
    export,
    imports,
    issues,
    notify,
    patrols,
    report,
    serve,
    users,
)
from gis_service.cli.common import RoadchiefGroup

app = typer.Typer(help="roadchief: the road-chief (路长制) GIS.", no_args_is_help=True, cls=RoadchiefGroup)

GROUPS = {
    "db": db.app,
    "demo": demo.app,
    "district": district.app,
    "import": imports.app,
    "export": export.app,
    "issues": issues.app,
    "user": users.app,
    "assign": assign.app,
    "patrols": patrols.app,
    "notify": notify.app,
}
for name, group in GROUPS.items():
    app.add_typer(group, name=name)
app.command("serve")(serve.serve)
app.command("report")(report.report)

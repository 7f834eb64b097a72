"""The import log (table import_run): what was imported, from which file, by whom, with what result."""

import json

from sqlalchemy import Connection, text

from roads.gisio.summary import ImportSummary

INSERT = """
INSERT INTO public.import_run (layer, filename, source_format, source_crs, read_count, created_count,
                               updated_count, unchanged_count, deleted_count, rejected_count,
                               summary, imported_by)
VALUES (:layer, :filename, :source_format, :source_crs, :read, :created, :updated, :unchanged,
        :deleted, :rejected, CAST(:summary AS jsonb), :imported_by)
RETURNING id
"""

COLUMNS = """id, layer, filename, source_format, source_crs, read_count, created_count, updated_count,
             unchanged_count, deleted_count, rejected_count, imported_by, imported_at"""


def record_run(
    conn: Connection, summary: ImportSummary, filename: str, imported_by: str | None
) -> int:
    """Log a committed import in the caller's transaction; returns the run's id."""
    return conn.execute(
        text(INSERT),
        {
            "layer": summary.layer,
            "filename": filename,
            "source_format": summary.source_format,
            "source_crs": summary.source_crs,
            "read": summary.read,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "deleted": summary.deleted,
            "rejected": len(summary.rejected),
            "summary": json.dumps(summary.as_dict(), ensure_ascii=False),
            "imported_by": imported_by,
        },
    ).scalar_one()


def list_runs(conn: Connection, limit: int = 50) -> list[dict]:
    rows = conn.execute(
        text(f"SELECT {COLUMNS} FROM public.import_run ORDER BY id DESC LIMIT :n"), {"n": limit}
    )
    return [dict(r._mapping) for r in rows]


def get_run(conn: Connection, run_id: int) -> dict | None:
    row = conn.execute(
        text(f"SELECT {COLUMNS}, summary FROM public.import_run WHERE id = :id"), {"id": run_id}
    ).one_or_none()
    return dict(row._mapping) if row else None

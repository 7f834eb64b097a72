"""Photos of an inspection, checked and kept as issue photos are (roads/issues/photos.py), in the
photo folder under inspections/<inspection id>/."""

import uuid
from pathlib import Path

from sqlalchemy import Connection, text

from roads.errors import NotFound
from roads.issues.photos import Photo, remove_files

__all__ = ["remove_files", "store_photos", "photo_file", "list_photos"]


def store_photos(conn: Connection, folder: Path, inspection_id: int, photos: list[Photo]) -> list[Path]:
    """Write checked photos (check_photos) and their rows; returns the files for a failed request."""
    written: list[Path] = []
    try:
        for photo in photos:
            relative = f"inspections/{inspection_id}/{uuid.uuid4().hex}{photo.suffix}"
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(photo.data)
            written.append(target)
            conn.execute(text("""
                INSERT INTO public.inspection_photo (inspection_id, file_name, content_type, size_bytes,
                                                     stored_path)
                VALUES (:inspection, :name, :type, :size, :path)
            """), {"inspection": inspection_id, "name": photo.file_name[:200], "type": photo.content_type,
                   "size": len(photo.data), "path": relative})
    except Exception:
        remove_files(written)
        raise
    return written


def list_photos(conn: Connection, inspection_id: int) -> list[dict]:
    rows = conn.execute(text("""
        SELECT id, file_name, content_type, size_bytes, created_at
        FROM public.inspection_photo WHERE inspection_id = :id ORDER BY id
    """), {"id": inspection_id}).mappings()
    return [dict(r) for r in rows]


def photo_file(conn: Connection, folder: Path, inspection_id: int, photo_id: int) -> tuple[Path, str]:
    row = conn.execute(text("""
        SELECT stored_path, content_type FROM public.inspection_photo
        WHERE id = :photo AND inspection_id = :inspection
    """), {"photo": photo_id, "inspection": inspection_id}).first()
    if row is None or not (folder / row.stored_path).is_file():
        raise NotFound(f"inspection {inspection_id} has no photo {photo_id}",
                       f"检查记录 {inspection_id} 没有编号为 {photo_id} 的照片")
    return folder / row.stored_path, row.content_type

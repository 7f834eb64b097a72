"""Photos sent with an issue, stored by the service under its photo folder (a folder per issue).

Only JPEG, PNG and WebP are kept, recognised by their first bytes rather than the client's word,
then decoded whole by Pillow, and refused if anything follows the image's end: a file that is an
image and also an HTML page or a script (a polyglot) is not kept. The bytes are stored as sent,
so the photo served is the photo taken.
"""

import io
import struct
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import Connection, text

from roads.errors import InvalidInput, NotFound, TooLarge

SIGNATURES = [(b"\xff\xd8\xff", "image/jpeg", ".jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png")]
MAX_PHOTOS = 9
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; more is a decompression bomb, not a picture


@dataclass
class Photo:
    file_name: str
    data: bytes
    content_type: str = ""
    suffix: str = ""


def check_photos(photos: list[Photo], max_bytes: int) -> list[Photo]:
    """Recognise each photo's type; anything else, or too large, or too many, is bad input."""
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"photos: at most {MAX_PHOTOS} per request",
                           f"每次最多上传 {MAX_PHOTOS} 张照片")
    for photo in photos:
        if len(photo.data) > max_bytes:
            raise TooLarge(
                f"photos: {photo.file_name} is larger than {max_bytes // (1024 * 1024)} MB",
                f"照片 {photo.file_name} 超过 {max_bytes // (1024 * 1024)} MB"
            )
        kind = image_kind(photo.data)
        if kind is None:
            raise InvalidInput(f"photos: {photo.file_name} is not a JPEG, PNG or WebP image",
                               f"照片 {photo.file_name} 不是 JPEG、PNG 或 WebP 图片")
        if not decodes_whole(photo.data, kind[0]):
            raise InvalidInput(f"photos: {photo.file_name} is not a whole, valid image",
                               f"照片 {photo.file_name} 不是完整有效的图片")
        photo.content_type, photo.suffix = kind
    return photos


def decodes_whole(data: bytes, content_type: str) -> bool:
    """Pillow reads every pixel, the size is sane and nothing follows the image's last byte."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return False
                image.verify()  # checksums and structure; the image cannot be used afterwards
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except Exception:  # noqa: BLE001 - Pillow raises many types for a broken or hostile file
        return False
    return ends_at_image_end(data, content_type)


def ends_at_image_end(data: bytes, content_type: str) -> bool:
    if content_type == "image/png":
        return data.endswith(b"IEND\xaeB`\x82")
    if content_type == "image/jpeg":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return struct.unpack("<I", data[4:8])[0] + 8 in (len(data), len(data) - 1)  # WebP (RIFF, padded)


def image_kind(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, suffix in SIGNATURES:
        if data.startswith(magic):
            return content_type, suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


STAGES = {"before": "处置前", "after": "处置后"}


def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise InvalidInput(f"stage: before or after, not {stage!r}",
                           "照片环节须为 before（处置前）或 after（处置后）")
    return stage


def store_photos(conn: Connection, folder: Path, issue_id: int, photos: list[Photo],
                 stage: str = "before") -> list[Path]:
    """Write the files and their rows; returns the files, so a failed request can remove them."""
    written: list[Path] = []
    try:
        for photo in photos:
            relative = f"{issue_id}/{uuid.uuid4().hex}{photo.suffix}"
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(photo.data)
            written.append(target)
            conn.execute(
                text("""
                INSERT INTO public.issue_photo (issue_id, file_name, content_type, size_bytes, stored_path,
                                                stage)
                VALUES (:issue, :name, :type, :size, :path, :stage)
            """),
                {
                    "issue": issue_id,
                    "name": photo.file_name[:200],
                    "type": photo.content_type,
                    "size": len(photo.data),
                    "path": relative,
                    "stage": stage,
                },
            )
    except Exception:
        remove_files(written)
        raise
    return written


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def photo_file(conn: Connection, folder: Path, issue_id: int, photo_id: int) -> tuple[Path, str]:
    row = conn.execute(
        text("""
        SELECT stored_path, content_type FROM public.issue_photo WHERE id = :photo AND issue_id = :issue
    """),
        {"photo": photo_id, "issue": issue_id},
    ).first()
    if row is None or not (folder / row.stored_path).is_file():
        raise NotFound(f"issue {issue_id} has no photo {photo_id}",
                       f"问题 {issue_id} 没有编号为 {photo_id} 的照片")
    return folder / row.stored_path, row.content_type

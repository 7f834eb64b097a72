"""Zip archives (zipped Shapefiles, XLSX workbooks) judged by their headers before anything in
them is unpacked: a 2 MB zip can hold a 2 GiB member of zeros (a zip bomb)."""

import zipfile

from roads.errors import TooLarge

DEFAULT_MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
# Small members may compress far better than 100:1 (a .dbf of blank padding): only members
# larger than this are held to the ratio.
RATIO_FROM_BYTES = 1 << 20


def check_zip(archive: zipfile.ZipFile, shown: str, max_unpacked_bytes: int,
              max_ratio: int | None = MAX_RATIO) -> None:
    """Raise TooLarge when the members would unpack to more than `max_unpacked_bytes` in all, or
    one large member is compressed more than `max_ratio`:1."""
    total = 0
    for member in archive.infolist():
        total += member.file_size
        if (max_ratio is not None and member.file_size > RATIO_FROM_BYTES
                and member.file_size > max_ratio * max(member.compress_size, 1)):
            raise TooLarge(
                f"{shown}: {member.filename} is compressed more than {max_ratio}:1 "
                f"({member.file_size:,} bytes in {member.compress_size:,}); refused as a zip bomb",
                f"{shown}：其中的 {member.filename} 压缩比超过 {max_ratio}:1，疑为恶意压缩包，未导入",
            )
    if total > max_unpacked_bytes:
        raise TooLarge(
            f"{shown}: unpacks to {total:,} bytes, more than the limit of "
            f"{max_unpacked_bytes:,} bytes",
            f"{shown}：解压后共 {total / (1024 * 1024):,.0f} MB，超过了 "
            f"{max_unpacked_bytes / (1024 * 1024):g} MB 的上限，未导入",
        )


def check_workbook(source, shown: str, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES) -> None:
    """An XLSX workbook (a path or a file object) held to the total only: its XML compresses well."""
    try:
        with zipfile.ZipFile(source) as archive:
            check_zip(archive, shown, max_unpacked_bytes, max_ratio=None)
    except zipfile.BadZipFile:
        return  # not a zip at all: the workbook reader says what is wrong with it

"""Text files from users: UTF-8 (with or without BOM) or GB18030, which Chinese spreadsheets save."""

ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(raw: bytes) -> str | None:
    """The text of `raw` in the first encoding that reads it whole; None when none does."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None

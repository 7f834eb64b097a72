"""A CJK font for matplotlib, registered by file so exports render Chinese on a fresh machine
(matplotlib's font cache may predate the fonts, and its default DejaVu has no CJK glyphs).

Debian's fonts-noto-cjk ships one .ttc collection holding the JP, KR, SC, TC and HK faces, and
matplotlib only reads a collection's first face (JP glyph shapes). So the Simplified-Chinese face
is copied out once with fontTools (a matplotlib dependency) into a cache folder and registered
from there; if that fails, the collection itself, then WenQuanYi, will do.
"""

import logging
import os
import tempfile
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

log = logging.getLogger("roadchief")

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
COLLECTIONS = {
    "regular": NOTO_DIR / "NotoSansCJK-Regular.ttc",
    "bold": NOTO_DIR / "NotoSansCJK-Bold.ttc",
}
FALLBACKS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
]
CACHE_DIR = Path(tempfile.gettempdir()) / "roadchief-fonts"


def extract_sc_face(collection: Path) -> Path | None:
    """The collection's Simplified-Chinese face as a standalone .otf (cached by source mtime)."""
    target = CACHE_DIR / f"{collection.stem}-SC-{int(collection.stat().st_mtime)}.otf"
    if target.exists():
        return target
    from fontTools.ttLib import TTCollection

    for font in TTCollection(str(collection)).fonts:
        family = font["name"].getDebugName(1) or ""
        if family.endswith(" SC"):
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")  # concurrent first runs
            font.save(str(partial))
            partial.replace(target)
            return target
    return None


def font_files() -> list[Path]:
    files = []
    for collection in COLLECTIONS.values():
        if not collection.exists():
            continue
        try:
            files.append(extract_sc_face(collection) or collection)
        except Exception:  # a damaged cache or collection: the collection's first face still works
            log.warning("could not extract the SC face of %s; using the collection", collection)
            files.append(collection)
    return files or [path for path in FALLBACKS if path.exists()]


@cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib, make it the default; returns its family name."""
    matplotlib.use("Agg")
    files = font_files()
    if not files:
        raise RuntimeError(
            "no CJK font found: install fonts-noto-cjk (scripts/install-system-packages.sh)"
        )
    for path in files:
        font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(files[0])).get_name()
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    # Not a font, but every export passes here: PDF streams at zlib 3 rather than 6 (the
    # briefing's 50,000 streams: 0.4 s instead of 1.1 s, a few per cent larger).
    matplotlib.rcParams["pdf.compression"] = 3
    return family

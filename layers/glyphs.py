"""Glyph PBFs for MapLibre: signed distance fields of a CJK font, 256 code points a range.

MapLibre draws text from glyph ranges (`{fontstack}/{start}-{end}.pbf`, glyphs.proto): per code
point a bitmap of the glyph's signed distance field at 24 px with a 3 px border, and its metrics.
We build them as fontnik does (24 px, 3 px buffer, radius 8, cutoff 0.25) from the CJK font the
set-up installs, with Pillow (FreeType) for the outline and scipy for the distance transform,
lazily on the first request of a range, and keep them on disk. Every fontstack a style names is
served from that one font, which has both the Chinese and the Latin characters of our labels.
"""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

from roads.errors import NotFound, Unavailable

SIZE = 24  # px, the size MapLibre scales every glyph from
BUFFER = 3  # px of distance field around each glyph's box
RADIUS = 8  # px of distance the field spans
CUTOFF = 0.25  # share of the field outside the outline (the edge is at 255 * (1 - CUTOFF))
SUPERSAMPLE = 4  # the outline is rendered this many times finer, then the field averaged down
# The fonts the set-up installs (fonts-noto-cjk, fonts-wqy-microhei), the first one found wins.
FONT_PATTERNS = ("Noto Sans CJK SC:style=Regular", "WenQuanYi Micro Hei:style=Regular")
RANGE = re.compile(r"(\d{1,5})-(\d{1,5})")


class UnknownGlyphRange(NotFound):
    """The range is not start-(start+255) with start a multiple of 256 below 65536."""


class NoGlyphFont(Unavailable):
    """No CJK font is installed to build glyphs from."""


@dataclass(frozen=True)
class Font:
    path: Path
    index: int  # the face within a font collection (.ttc)


@dataclass(frozen=True)
class Glyph:
    id: int
    bitmap: bytes  # (width + 2 * BUFFER) x (height + 2 * BUFFER) bytes, none for a blank glyph
    width: int
    height: int
    left: int
    top: int
    advance: int


def parse_range(text: str) -> int:
    """The first code point of a range named like '0-255' or '38400-38655'."""
    found = RANGE.fullmatch(text)
    start, end = (int(found.group(1)), int(found.group(2))) if found else (-1, -1)
    if start < 0 or start % 256 or end != start + 255 or end > 0xFFFF:
        raise UnknownGlyphRange(
            f"no glyph range {text!r}: a range is N-(N+255) with N a multiple of 256, up to 65280-65535",
            f"没有字形区间 {text}：区间应为 N-(N+255)，N 为 256 的倍数，最大 65280-65535")
    return start


def find_font() -> Font:
    """The installed CJK font, found with fontconfig."""
    for pattern in FONT_PATTERNS:
        try:
            listed = subprocess.run(["fc-list", "-f", "%{file}|%{index}\n", pattern],
                                    capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            break
        for line in sorted(listed.splitlines()):
            path, _, index = line.partition("|")
            if path and Path(path).is_file():
                return Font(Path(path), int(index or 0))
    raise NoGlyphFont("no CJK font installed (fonts-noto-cjk or fonts-wqy-microhei) to build glyphs from",
                      "未安装中文字体（fonts-noto-cjk 或 fonts-wqy-microhei），无法生成地图字形")


def glyph_range(font: Font, start: int, cache_dir: Path) -> bytes:
    """The range's PBF, built on the first request and then read from cache_dir."""
    path = cache_dir / f"{font.path.stem}-{font.index}" / f"{start}-{start + 255}.pbf"
    if path.is_file():
        return path.read_bytes()
    data = encode_range(family_name(font), f"{start}-{start + 255}", build_glyphs(font, start))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a reader in another worker never sees half a file.
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
    return data


def build_glyphs(font: Font, start: int) -> list[Glyph]:
    points = [cp for cp in covered(font) if start <= cp <= start + 255 and chr(cp).isprintable()]
    fine = ImageFont.truetype(str(font.path), SIZE * SUPERSAMPLE, index=font.index)
    plain = ImageFont.truetype(str(font.path), SIZE, index=font.index)
    ascender = plain.getmetrics()[0]
    return [render(chr(cp), fine, plain, ascender) for cp in points]


@lru_cache(maxsize=4)
def covered(font: Font) -> frozenset[int]:
    """The code points the font has a glyph for."""
    if font.path.suffix.lower() in (".ttc", ".otc"):
        face = TTCollection(str(font.path), lazy=True).fonts[font.index]
    else:
        face = TTFont(str(font.path), lazy=True)
    return frozenset(face.getBestCmap())


def family_name(font: Font) -> str:
    family, style = ImageFont.truetype(str(font.path), SIZE, index=font.index).getname()
    return f"{family} {style}"


def render(char: str, fine: ImageFont.FreeTypeFont, plain: ImageFont.FreeTypeFont,
           ascender: int) -> Glyph:
    """One glyph: its ink box at SIZE px, and the distance field over the box plus BUFFER."""
    k = SUPERSAMPLE
    span = SIZE * k
    canvas = Image.new("L", (4 * span, 4 * span))
    origin = (span, 2 * span)  # the pen position on the baseline, room on every side
    ImageDraw.Draw(canvas).text(origin, char, font=fine, fill=255, anchor="ls")
    ink = np.asarray(canvas)
    advance = round(plain.getlength(char))
    rows, cols = np.nonzero(ink)
    if not len(rows):
        return Glyph(ord(char), b"", 0, 0, 0, 0, advance)
    # The ink box in SIZE-px units, relative to the pen (x right, y up from the baseline).
    left = (cols.min() - origin[0]) // k
    right = -((origin[0] - cols.max() - 1) // k)
    above = -((rows.min() - origin[1]) // k)
    below = -((origin[1] - rows.max() - 1) // k)
    width, height = int(right - left), int(above + below)
    x0, y0 = origin[0] + (left - BUFFER) * k, origin[1] - (above + BUFFER) * k
    box = ink[y0:y0 + (height + 2 * BUFFER) * k, x0:x0 + (width + 2 * BUFFER) * k]
    return Glyph(ord(char), distance_field(box >= 128, k), width, height, int(left),
                 int(above) - ascender, advance)


def distance_field(inside: np.ndarray, k: int) -> bytes:
    """The signed distance to the outline (fine pixels), averaged over k x k blocks and scaled
    as MapLibre reads it: 255 deep inside, 255 * (1 - CUTOFF) on the edge, 0 at RADIUS out."""
    if not inside.any():
        return bytes(inside.size // (k * k))
    outside_distance = distance_transform_edt(~inside) - 0.5
    inside_distance = distance_transform_edt(inside) - 0.5
    signed = np.where(inside, -inside_distance, outside_distance) / k
    rows, cols = inside.shape[0] // k, inside.shape[1] // k
    coarse = signed.reshape(rows, k, cols, k).mean(axis=(1, 3))
    values = 255 - 255 * (coarse / RADIUS + CUTOFF)
    return np.clip(np.round(values), 0, 255).astype(np.uint8).tobytes()


# --- glyphs.proto, written by hand: fontstack{name=1, range=2, glyphs=3}, glyph{id=1, bitmap=2,
# width=3, height=4, left=5 (sint32), top=6 (sint32), advance=7}; the file is glyphs{stacks=1}.

def encode_range(name: str, range_name: str, glyphs: list[Glyph]) -> bytes:
    stack = field_bytes(1, name.encode()) + field_bytes(2, range_name.encode())
    for glyph in glyphs:
        stack += field_bytes(3, encode_glyph(glyph))
    return field_bytes(1, stack)


def encode_glyph(glyph: Glyph) -> bytes:
    out = field_varint(1, glyph.id)
    if glyph.bitmap:
        out += field_bytes(2, glyph.bitmap)
    out += field_varint(3, glyph.width) + field_varint(4, glyph.height)
    out += field_varint(5, zigzag(glyph.left)) + field_varint(6, zigzag(glyph.top))
    return out + field_varint(7, glyph.advance)


def zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 31) if value < 0 else value << 1


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_bytes(number: int, value: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(value)) + value

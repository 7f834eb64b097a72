"""Glyph PBFs for MapLibre labels: real signed distance fields of the installed CJK font."""

import pytest

from layers import glyphs

CHEN = 0x9648  # 陈, as in 陈五寨44号巷


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message as (field number, int or bytes) pairs, decoded independently of
    layers/glyphs.py's encoder."""
    out, pos = [], 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(data, pos)
        elif wire == 2:
            length, pos = read_varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out.append((number, value))
    return out


def unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def decode(data: bytes) -> tuple[str, str, dict[int, dict]]:
    """glyphs.proto: glyphs{stacks=1: fontstack{name=1, range=2, glyphs=3: glyph{...}}}."""
    [(number, stack)] = fields(data)
    assert number == 1
    name = range_name = None
    found = {}
    for number, value in fields(stack):
        if number == 1:
            name = value.decode()
        elif number == 2:
            range_name = value.decode()
        elif number == 3:
            glyph = {"bitmap": b""}
            for n, v in fields(value):
                key = {1: "id", 2: "bitmap", 3: "width", 4: "height", 5: "left", 6: "top",
                       7: "advance"}[n]
                glyph[key] = unzigzag(v) if key in ("left", "top") else v
            found[glyph["id"]] = glyph
    return name, range_name, found


def get_range(client, text: str) -> bytes:
    response = client.get(f"/styles/glyphs/Noto Sans CJK SC Regular/{text}.pbf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    return response.content


def assert_drawn(glyph: dict, width: range, height: range, advance: range) -> None:
    assert glyph["width"] in width and glyph["height"] in height and glyph["advance"] in advance
    border = 2 * glyphs.BUFFER
    assert len(glyph["bitmap"]) == (glyph["width"] + border) * (glyph["height"] + border)
    edge = 255 * (1 - glyphs.CUTOFF)
    # Inside the outline above the edge value, around it below: a distance field, not blank.
    assert max(glyph["bitmap"]) > edge and min(glyph["bitmap"]) < 100
    assert -24 <= glyph["top"] <= 0  # MapLibre's baseline convention: top minus the ascender


def test_the_ascii_range_has_digits_with_plausible_metrics(client):
    name, range_name, found = decode(get_range(client, "0-255"))
    assert range_name == "0-255" and ("CJK" in name or "WenQuanYi" in name)
    four = found[ord("4")]
    assert_drawn(four, width=range(8, 18), height=range(14, 22), advance=range(10, 17))
    assert found[ord(" ")]["bitmap"] == b"" and found[ord(" ")]["advance"] > 0
    assert found[ord("g")]["top"] < four["top"]  # a descender's box starts lower


def test_the_range_holding_chen_has_its_glyph(client):
    start = CHEN // 256 * 256
    _, range_name, found = decode(get_range(client, f"{start}-{start + 255}"))
    assert range_name == "38400-38655"
    assert_drawn(found[CHEN], width=range(18, 26), height=range(18, 27), advance=range(22, 27))
    assert len(found) > 200  # nearly every code point of a CJK block


@pytest.mark.parametrize("bad", ["0-256", "1-256", "abc", "65536-65791", "-256-0", "0-255x"])
def test_a_bad_range_is_refused_in_both_languages(client, bad):
    response = client.get(f"/styles/glyphs/Noto Sans CJK SC Regular/{bad}.pbf")
    assert response.status_code == 404
    body = response.json()
    assert "glyph range" in body["error"] and "字形区间" in body["message_zh"]


def test_a_range_is_built_once_then_read_from_disk(tmp_path):
    font = glyphs.find_font()
    first = glyphs.glyph_range(font, 0, tmp_path)
    [cached] = list(tmp_path.rglob("0-255.pbf"))
    assert cached.read_bytes() == first
    cached.write_bytes(b"kept")
    assert glyphs.glyph_range(font, 0, tmp_path) == b"kept"

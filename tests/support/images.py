"""A small real PNG made without an imaging library: a complaint's photo in the tests."""

from __future__ import annotations

import struct
import zlib

SKY, GRASS, ROAD, HOLE = (135, 190, 235), (92, 150, 70), (120, 120, 125), (45, 40, 38)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _pixel(x: int, y: int, width: int, height: int) -> tuple[int, int, int]:
    """A road under the sky, with a pothole in it."""
    if y < height * 0.35:
        return SKY
    if abs(x - width / 2) > (y - height * 0.35) * 1.1 + width * 0.05:
        return GRASS
    dx, dy = (x - width * 0.55) / (width * 0.16), (y - height * 0.75) / (height * 0.09)
    return HOLE if dx * dx + dy * dy <= 1 else ROAD


def road_photo(width: int = 240, height: int = 160) -> bytes:
    """A width x height RGB PNG of a road with a pothole."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(_pixel(x, y, width, height)) for x in range(width))
        for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b""))

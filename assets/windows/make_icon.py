#!/usr/bin/env python3
"""Draws icare-fix's icon and writes it as a Windows .ico (standard library only).

The design: a white sheet with a blue header row and a grey cell grid (a spreadsheet), and a
green disc with a white check mark over its lower right corner (the file put right).
Every size is drawn from the same shapes with 4x4 supersampling, so edges are smooth at 16 px
as at 256 px. The 256 px image is stored as PNG, the small ones as 32-bit BMP, which every
Windows version since Vista and every resource compiler accept.

    python3 assets/windows/make_icon.py assets/windows/icare-fix.ico
    python3 assets/windows/make_icon.py assets/windows/icare-fix.ico --png preview.png

The output is deterministic: the same script writes the same bytes.
"""

import struct
import sys
import zlib

SIZES = (16, 24, 32, 48, 64, 256)
SS = 4  # supersampling per axis

WHITE = (255, 255, 255)
SHEET_EDGE = (96, 110, 128)
GRID = (176, 188, 204)
HEADER = (46, 104, 168)
GREEN = (22, 140, 64)
GREEN_EDGE = (12, 100, 44)


def seg_dist(px, py, ax, ay, bx, by):
    """Distance from a point to a line segment."""
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


def colour_at(x, y, n):
    """The colour (r, g, b, a) at point (x, y) of the unit square, for an icon of n pixels.

    Line widths grow a little at small sizes so that the grid and the check stay visible."""
    px = 1.0 / n  # one pixel, in unit coordinates
    # The green disc with its check, over everything.
    cx, cy, r = 0.70, 0.70, 0.29
    d = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
    if d <= r:
        w = max(0.045, 1.6 * px)
        check = (seg_dist(x, y, 0.565, 0.705, 0.665, 0.805) <= w
                 or seg_dist(x, y, 0.665, 0.805, 0.845, 0.595) <= w)
        if check:
            return WHITE + (255,)
        if d >= r - max(0.018, 0.9 * px):
            return GREEN_EDGE + (255,)
        return GREEN + (255,)
    # The sheet.
    left, top, right, bottom = 0.10, 0.06, 0.82, 0.90
    if left <= x <= right and top <= y <= bottom:
        edge = max(0.016, 0.9 * px)
        if x - left < edge or right - x < edge or y - top < edge or bottom - y < edge:
            return SHEET_EDGE + (255,)
        if y < 0.22:
            return HEADER + (255,)
        line = max(0.010, 0.7 * px)
        cols = (0.34, 0.58)
        rows = (0.39, 0.56, 0.73)
        if any(abs(x - c) < line for c in cols) or any(abs(y - r_) < line for r_ in rows):
            return GRID + (255,)
        return WHITE + (255,)
    return (0, 0, 0, 0)


def render(n):
    """Rows of (r, g, b, a) pixels, n by n, top row first."""
    rows = []
    for j in range(n):
        row = []
        for i in range(n):
            acc = [0, 0, 0, 0]
            for sj in range(SS):
                for si in range(SS):
                    r, g, b, a = colour_at((i + (si + 0.5) / SS) / n, (j + (sj + 0.5) / SS) / n, n)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            a = acc[3]
            if a == 0:
                row.append((0, 0, 0, 0))
            else:
                row.append((round(acc[0] / a), round(acc[1] / a), round(acc[2] / a),
                            round(a / (SS * SS))))
        rows.append(row)
    return rows


def png(rows):
    n = len(rows)
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def bmp(rows):
    """A 32-bit DIB as an .ico holds it: height doubled, bottom row first, then the AND mask."""
    n = len(rows)
    header = struct.pack("<IiiHHIIiiII", 40, n, 2 * n, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = b"".join(bytes((b, g, r, a)) for row in reversed(rows) for (r, g, b, a) in row)
    stride = ((n + 31) // 32) * 4
    mask = b""
    for row in reversed(rows):
        bits = bytearray(stride)
        for i, px in enumerate(row):
            if px[3] == 0:
                bits[i // 8] |= 0x80 >> (i % 8)
        mask += bytes(bits)
    return header + pixels + mask


def ico(images):
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    body = b""
    for n, data in images:
        dim = 0 if n >= 256 else n
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(body))
        body += data
    return out + body


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--png"):
        sys.exit(__doc__)
    images = []
    for n in SIZES:
        rows = render(n)
        images.append((n, png(rows) if n >= 256 else bmp(rows)))
        if n == 256 and len(argv) == 4:
            with open(argv[3], "wb") as f:
                f.write(png(rows))
    with open(argv[1], "wb") as f:
        f.write(ico(images))


if __name__ == "__main__":
    main(sys.argv)

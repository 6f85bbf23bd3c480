"""Small real files for attachments: valid PNG and PDF images, CSV inventories, log excerpts."""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Sequence

from .common import dt


def png_bytes(width: int, height: int, colour: tuple[int, int, int], stripe: int = 4) -> bytes:
    """A valid 8-bit RGB PNG: ``colour`` with diagonal white stripes every ``stripe`` pixels."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    white = bytes((255, 255, 255))
    solid = bytes(colour)
    rows = b"".join(
        b"\x00" + b"".join(white if (x + y) % stripe == 0 else solid for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def pdf_bytes(lines: Sequence[str]) -> bytes:
    """A valid one-page PDF 1.4 showing ``lines`` in Helvetica, with a correct xref table."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "\n".join(
        f"BT /F1 11 Tf 72 {740 - 16 * i} Td ({escape(line)}) Tj ET" for i, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def csv_bytes(subject: str, rng: random.Random) -> bytes:
    lines = ["hostname,serial,type,last_seen"]
    for n in range(rng.randint(3, 8)):
        lines.append(f"DEV-{n + 1:03d},{rng.randrange(16 ** 8):08X},"
                     f"{rng.choice(('Workstation', 'Server', 'Printer'))},2026-10-{n + 1:02d}")
    return (f"# Inventory for {subject}\n" + "\n".join(lines) + "\n").encode()


def log_bytes(created: float, rng: random.Random) -> bytes:
    events = ("Service started", "Connection timed out", "Retrying", "Authentication failed",
              "Disk write error", "Recovered")
    lines = [f"{dt(created + k * 37):%Y-%m-%d %H:%M:%S} {rng.choice(events)}"
             for k in range(rng.randint(4, 12))]
    return ("\n".join(lines) + "\n").encode()

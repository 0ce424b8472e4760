"""PDFs written byte by byte: a deflate bomb, a page that is slow to extract, a CJK paper without font files.

All are valid PDFs that pdfium opens. The bomb's one content stream inflates from under 1 MB to `mb` MB
of spaces (pdfium allocates all of it at once, so an address-space limit below that stops it). The slow page
draws `lines` short strings; extracting and laying them out takes pdfium and the parser about 3 s and
370 MB per 100,000 (measured here: 3.1 s, 373 MB peak; 6.2 s, 714 MB for 200,000), writing it 0.1 s.
The CJK paper uses the PDF standard's non-embedded CJK fonts (STSong-Light and STHeiti for Chinese,
KozMinPro and KozGoPro for Japanese) through the predefined UCS-2 CMaps, so no font file is needed: pdfium
extracts the text as Unicode.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
# Script -> (CMap, character collection, body font, heading font): PDF 1.4's predefined CJK fonts.
CJK_FONTS = {"zh": (b"UniGB-UCS2-H", b"GB1", b"STSong-Light", b"STHeiti-Regular"),
             "ja": (b"UniJIS-UCS2-H", b"Japan1", b"KozMinPro-Regular-Acro", b"KozGoPro-Medium-Acro")}


def _cjk_font(cmap: bytes, ordering: bytes, name: bytes) -> bytes:
    return (b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /%s /DescendantFonts [<< /Type /Font "
            b"/Subtype /CIDFontType0 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (%s) "
            b"/Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /%s /Flags 6 "
            b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >> "
            b"/DW 1000 >>] >>") % (name, cmap, name, ordering, name)


def _pdf(content: bytes, fonts: tuple[bytes, ...] = (HELVETICA,)) -> bytes:
    """A one-page PDF whose page content is `content` (already deflated), fonts named /F1, /F2, ..."""
    names = b" ".join(b"/F%d %d 0 R" % (n, 5 + n - 1) for n in range(1, len(fonts) + 1))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << %s >> >> >>" % names,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
            *fonts]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % x for x in offsets)
    return out + b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def deflate_bomb(path: Path, mb: int) -> Path:
    """A page whose content inflates to `mb` MB (the file: about 1 KB per MB).

    Each megabyte of spaces is deflated once: after a full flush the compressor starts afresh, so every
    further megabyte deflates to the same bytes; the stream ends with the Adler-32 of everything it inflates
    to. Writing a 600 MB bomb takes 0.2 s instead of seconds of compression."""
    packer = zlib.compressobj(9)
    text, chunk = b"BT /F1 12 Tf 72 712 Td (Hello bomb) Tj ET\n", b" " * (1 << 20)
    head = packer.compress(text) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.flush()[:-4]  # the last, empty block; its Adler-32 counted one megabyte only
    adler = zlib.adler32(text)
    for _ in range(mb):
        adler = zlib.adler32(chunk, adler)
    path.write_bytes(_pdf(head + block * mb + end + adler.to_bytes(4, "big")))
    return path


def slow_pdf(path: Path, lines: int = 100_000) -> Path:
    """A page of `lines` short strings drawn over one another: quick to write, seconds to parse."""
    ops = b"".join(b"BT /F1 1 Tf 72 %d Td (word%d is here) Tj ET\n" % (72 + i % 700, i) for i in range(lines))
    path.write_bytes(_pdf(zlib.compress(ops, 6)))
    return path


def cjk_paper(path: Path, lines: list[tuple[bool, str]], script: str = "zh") -> Path:
    """One page of `lines`, each (heading?, text): headings in the heading font at 12 pt, the rest at 10 pt,
    the first line (the title) at 18 pt."""
    cmap, ordering, body, heading = CJK_FONTS[script]
    ops, y = b"", 740
    for n, (is_heading, text) in enumerate(lines):
        size = 18 if n == 0 else 12 if is_heading else 10
        font = b"/F2" if is_heading or n == 0 else b"/F1"
        ops += b"BT %s %d Tf 72 %d Td <%s> Tj ET\n" % (font, size, y, text.encode("utf-16-be").hex().encode())
        y -= size + 6
    path.write_bytes(_pdf(zlib.compress(ops), (_cjk_font(cmap, ordering, body), _cjk_font(cmap, ordering, heading))))
    return path

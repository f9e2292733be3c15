"""Bytes to text, whole or line by line, without ever failing.

Order of attempts: a byte-order mark (UTF-8, UTF-16 LE/BE), strict UTF-8, an encoding the
document declares (HTML ``<meta charset>``, XML prolog), charset-normalizer's best guess,
and finally cp1252 with ``errors="replace"``.  Every fallback past UTF-8 adds a warning
to the records read from those bytes.  A leading BOM is removed from the text.

Readers keep decoded text exactly as it is, because constraint offsets point into it; the
one change they make is ``normalise_newlines`` (``\\r\\n`` and lone ``\\r`` become ``\\n``).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import charset_normalizer

HEAD_SIZE = 64 * 1024
"""Bytes read ahead from every input to sniff its format and encoding."""
_MIN_GUESS_BYTES = 32
# Lone UTF-16 surrogates: a str can hold them (JSON "\\ud800" escapes, undecodable file
# names, API callers), but spaCy's tokenizer and every UTF-8 writer refuse them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or .docx/.xlsx)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"),
    (b"(\xb5/\xfd", "zstd-compressed data (decompress it first)"),
    (b"7z\xbc\xaf'\x1c", "a 7-zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document (.doc/.xls)"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, the codec used and any fallback warnings."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``; nothing else changes."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_surrogates(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def replace_surrogates(text: str) -> str:
    """Lone surrogates become U+FFFD, one for one, so offsets into the text still hold."""
    return _SURROGATE.sub("\ufffd", text) if has_surrogates(text) else text


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The codec announced by a byte-order mark at the start of ``data`` and the BOM size."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return None


def binary_kind(head: bytes) -> str | None:
    """What a binary file looks like (``'a PDF document'``), or None for text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if bom_encoding(head) is None and b"\x00" in head[:8192] and not _looks_utf16(head[:8192]):
        return "binary data (it contains NUL bytes)"
    return None


def _looks_utf16(sample: bytes) -> bool:
    """UTF-16 without a BOM: nearly every second byte is NUL for Latin-script text."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return False
    return max(even.count(0) / len(even), odd.count(0) / max(len(odd), 1)) > 0.9


def decode(data: bytes, *, declared: str | None = None) -> Decoded:
    """Decode bytes; never raises.  ``declared`` is an encoding the document names itself."""
    bom = bom_encoding(data)
    if bom is not None:
        codec, size = bom
        body = data[size:]
        try:
            return Decoded(_strip_bom(body.decode(codec)), codec)
        except UnicodeDecodeError as error:
            text = body.decode(codec, errors="replace")
            reason = (
                f"invalid {codec} bytes replaced with U+FFFD (first at byte {error.start + size})"
            )
            return Decoded(_strip_bom(text), codec, (reason,))
    try:
        return Decoded(_strip_bom(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    declared_codec = _codec_name(declared)
    if declared_codec is not None and declared_codec != "utf-8":
        try:
            return Decoded(_strip_bom(data.decode(declared_codec)), declared_codec)
        except UnicodeDecodeError:
            pass
    guessed = guess_encoding(data)
    if guessed is not None:
        try:
            text = data.decode(guessed)
        except UnicodeDecodeError:  # charset-normalizer only samples large inputs
            pass
        else:
            return Decoded(_strip_bom(text), guessed, (f"decoded as {guessed} (not valid UTF-8)",))
    text = data.decode("cp1252", errors="replace")
    return Decoded(_strip_bom(text), "cp1252", ("decoded as cp1252 (not valid UTF-8)",))


def guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, preferring cp1252 over other single-byte Latin codecs.

    For Western text charset-normalizer often ranks cp1250 or cp1257 level with cp1252
    (same score); cp1252 is by far the likelier in practice (Excel/Windows exports).
    """
    if len(data) < _MIN_GUESS_BYTES:
        return None  # guesses on a few bytes are noise ("caf\xe9" comes back as UTF-16)
    try:
        matches = list(charset_normalizer.from_bytes(data))
    except Exception:  # a heuristic must never stop a read; cp1252 is the fallback
        return None
    if b"\x00" not in data:  # UTF-16/32 without a BOM always has NULs in practice
        matches = [m for m in matches if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos + 0.01
            and match.coherence >= best.coherence - 0.05
        ):
            return "cp1252"
    return _codec_name(best.encoding)


def _codec_name(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def stream_codec(head: bytes, *, complete: bool) -> tuple[str, int, str | None]:
    """(codec, BOM size, warning) for a stream that starts with ``head``.

    ``complete`` says ``head`` is the whole stream; otherwise a multi-byte character cut
    at the end of ``head`` is not held against UTF-8.
    """
    bom = bom_encoding(head)
    if bom is not None:
        return bom[0], bom[1], None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", 0, None
    guessed = guess_encoding(head)
    if guessed is not None:
        return guessed, 0, f"decoded as {guessed} (not valid UTF-8)"
    return "cp1252", 0, "decoded as cp1252 (not valid UTF-8)"


@dataclass(slots=True)
class DecodedLines:
    """Lines of a stream (line endings kept) with the warning that applies to all of them."""

    lines: Iterator[tuple[str, str | None]]  # (line, warning for this line only)
    warning: str | None


def decoded_lines(stream: BinaryIO, head: bytes) -> DecodedLines:
    """Decode ``stream`` (positioned at its start, ``head`` its first bytes) line by line.

    Memory stays flat: one line is decoded at a time.  A line that is not valid in the
    codec chosen from ``head`` is decoded as cp1252 and carries its own warning.
    """
    codec, bom_size, warning = stream_codec(head, complete=len(head) < HEAD_SIZE)
    stream.read(bom_size)
    # UTF-16 cannot be split on b"\n"; lone-CR files need universal newlines.
    if codec.startswith(("utf-16", "utf-32")) or (b"\r" in head and b"\n" not in head):
        return DecodedLines(_wrapped_lines(stream, codec), warning)
    return DecodedLines(_byte_lines(stream, codec), warning)


def _wrapped_lines(stream: BinaryIO, codec: str) -> Iterator[tuple[str, str | None]]:
    wrapper = io.TextIOWrapper(stream, encoding=codec, errors="replace", newline=None)
    for number, line in enumerate(wrapper, 1):
        if "\ufffd" in line:
            yield line, f"line {number}: invalid {codec} bytes replaced with U+FFFD"
        else:
            yield line, None


def _byte_lines(stream: BinaryIO, codec: str) -> Iterator[tuple[str, str | None]]:
    for number, raw in enumerate(stream, 1):
        try:
            yield raw.decode(codec), None
        except UnicodeDecodeError:
            line = raw.decode("cp1252", errors="replace")
            yield line, f"line {number} is not valid {codec}; decoded as cp1252"

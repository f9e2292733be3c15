"""Decoding bytes: BOMs, strict UTF-8, guessed and cp1252 fallbacks, binary detection."""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialnlp.errors import InputError
from trialnlp.readers import decode, read_sources
from trialnlp.readers.encoding import (
    HEAD_SIZE,
    binary_kind,
    decoded_lines,
    normalise_newlines,
)
from trialnlp.types import SourceRecord

from .helpers import fixture, only, records

TEXT = "Inclusion: age \u2265 18, caf\u00e9-au-lait \u2013 na\u00efve\n"


def test_utf8_is_decoded_without_warning() -> None:
    decoded = decode(TEXT.encode("utf-8"))
    assert (decoded.text, decoded.encoding, decoded.warnings) == (TEXT, "utf-8", ())


@pytest.mark.parametrize(
    ("bom", "codec", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    ],
)
def test_bom_is_detected_and_stripped(bom: bytes, codec: str, encoding: str) -> None:
    decoded = decode(bom + TEXT.encode(codec))
    assert decoded.text == TEXT
    assert decoded.encoding == encoding
    assert decoded.warnings == ()


def test_invalid_bytes_after_a_bom_are_replaced_with_a_warning() -> None:
    decoded = decode(codecs.BOM_UTF8 + b"age \xff 18")
    assert decoded.text == "age \ufffd 18"
    assert "replaced" in decoded.warnings[0]


def test_cp1252_falls_back_with_a_warning() -> None:
    text = (
        "Patient\u2019s consent \u201cbefore\u201d screening; caf\u00e9; 5 \u00b5g; na\u00efve.\n"
        * 3
    )
    decoded = decode(text.encode("cp1252"))
    assert decoded.text == text
    assert decoded.encoding == "cp1252"
    assert decoded.warnings == ("decoded as cp1252 (not valid UTF-8)",)


def test_latin1_text_reads_correctly() -> None:
    text = "Crit\u00e8res d'inclusion : \u00e2ge \u00e9gal ou sup\u00e9rieur \u00e0 18 ans, fi\u00e8vre > 38 \u00b0C\n"
    decoded = decode(text.encode("latin-1"))
    assert decoded.text == text
    assert decoded.warnings and decoded.warnings[0].startswith("decoded as ")


def test_a_declared_encoding_is_used_without_warning() -> None:
    decoded = decode(
        "\u0416\u0435\u043d\u0449\u0438\u043d\u044b".encode("koi8-r"), declared="KOI8-R"
    )
    assert decoded.text == "\u0416\u0435\u043d\u0449\u0438\u043d\u044b"
    assert decoded.warnings == ()


def test_an_unknown_declared_encoding_is_ignored() -> None:
    assert decode(b"caf\xe9", declared="no-such-codec").text.startswith("caf")


def test_empty_bytes() -> None:
    assert decode(b"") == decode(b"")
    assert decode(b"").text == ""


def test_normalise_newlines() -> None:
    assert normalise_newlines("a\r\nb\rc\nd\r\n\r\n") == "a\nb\nc\nd\n\n"
    assert normalise_newlines("plain") == "plain"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("scan.pdf", "PDF"),
        ("archive.zip", "zip"),
        ("image.png", "PNG"),
        ("photo.jpg", "JPEG"),
        ("trials.csv.gz", "gzip"),
        ("nul_bytes.json", "NUL"),
    ],
)
def test_binary_kind(name: str, kind: str) -> None:
    found = binary_kind(fixture(name).read_bytes()[:HEAD_SIZE])
    assert found is not None and kind in found


def test_text_is_not_binary() -> None:
    assert binary_kind(TEXT.encode("utf-8")) is None
    assert binary_kind(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")) is None
    assert binary_kind(TEXT.encode("utf-16-le")) is None  # no BOM, but clearly UTF-16


# Fixture files in each encoding, read end to end.


def test_utf8_bom_file() -> None:
    record = only("utf8_bom.txt")
    assert record.text.startswith("NCT ID: NCT09000001")  # BOM stripped
    assert "\u2265 18" in record.text and record.warnings == ()
    assert record.trial_id == "NCT09000001"


def test_utf16le_bom_file_with_crlf() -> None:
    record = only("utf16le_bom.txt")
    assert record.text == fixture("utf8_bom.txt").read_text(encoding="utf-8-sig")
    assert "\r" not in record.text


def test_utf16be_bom_csv_streams() -> None:
    found = records("utf16be_bom.csv")
    assert [record.trial_id for record in found] == ["NCT09000002", "NCT09000003"]
    assert found[0].text == "Inclusion: HbA1c \u2265 7%, na\u00efve to insulin"
    assert found[1].structured.sex == "male"
    assert all(record.warnings == () for record in found)


def test_cp1252_file() -> None:
    record = only("cp1252.txt")
    assert "Patient\u2019s written consent obtained \u201cbefore\u201d" in record.text
    assert "18\u201365 years with caf\u00e9-au-lait" in record.text
    assert "5 \u00b5g/kg" in record.text and "Na\u00efve" in record.text
    assert record.warnings == ("decoded as cp1252 (not valid UTF-8)",)
    assert "\r" not in record.text


def test_latin1_csv() -> None:
    found = records("latin1.csv")
    assert found[0].text.startswith("Crit\u00e8res d'inclusion : \u00e2ge \u00e9gal")
    assert "fi\u00e8vre > 38 \u00b0C" in found[1].text
    assert all(record.warnings and "not valid UTF-8" in record.warnings[0] for record in found)


def test_one_bad_line_late_in_a_utf8_stream_warns_only_on_its_record(tmp_path: Path) -> None:
    lines = [json.dumps({"nct_id": f"NCT{n:08d}", "criteria": "x" * 100}) for n in range(2000)]
    bad = '{"nct_id": "NCT99999999", "criteria": "caf\u00e9"}'.encode("cp1252")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes("\n".join(lines).encode() + b"\n" + bad + b"\n")
    assert path.stat().st_size > HEAD_SIZE
    found = [r for r in read_sources([path]) if isinstance(r, SourceRecord)]
    assert len(found) == 2001
    assert found[-1].text == "caf\u00e9"
    assert found[-1].warnings == ("line 2001 is not valid utf-8; decoded as cp1252",)
    assert all(record.warnings == () for record in found[:-1])


def test_decoded_lines_handles_lone_cr() -> None:
    data = b"a,b\rc,d\r"
    lines = decoded_lines(io.BytesIO(data), data)
    assert [line for line, _ in lines.lines] == ["a,b\n", "c,d\n"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_decode_never_raises(data: bytes) -> None:
    try:
        decoded = decode(data)
    except InputError:
        return
    assert isinstance(decoded.text, str)
    assert not decoded.text.startswith("\ufeff") or data.startswith(codecs.BOM_UTF8 * 2)

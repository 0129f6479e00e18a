"""Unicode whitespace (U+202F, U+2009, U+00A0, U+3000, ...) never reaches a
WordPiece vocabulary, so a learned vocabulary survives its file."""

import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from applications.common.wordpiece import (
    UNICODE_WHITESPACE,
    check_vocabulary,
    normalize_whitespace,
)
from applications.text_classifier.tokenizer import TextClassifierTokenizer
from applications.translator.tokenizer import TranslatorTokenizer

# Tatoeba-style French (narrow no-break and thin spaces before ?!:;, no-break
# spaces in numbers) and a Japanese ideographic space.
FRENCH = [
    "Quel est le prix\u202f?", "Il est 10\u00a0h.", "Où est Tom\u202f?",
    "Vraiment\u2009?", "Viens ici\u00a0!", "Merci\u3000beaucoup.",
    "Le prix est bas.", "Il est 10 h.", "Où est Tom ?", "Viens ici !",
]  # fmt: skip
FRENCH = [f"{text} {i}" for i, text in enumerate(FRENCH * 4)]


def test_the_list_is_every_unicode_space_but_the_space_and_the_newline():
    expected = {
        c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c not in " \n"
    }
    assert set(UNICODE_WHITESPACE) == expected
    for c in "\u202f\u2009\u00a0\u3000\t":
        assert c in UNICODE_WHITESPACE


def test_normalize_whitespace_keeps_the_kind_of_its_input():
    text = "prix\u202f: 10\u00a0h\u3000ok\nnext\tline"
    plain = "prix : 10 h ok\nnext line"
    assert normalize_whitespace(text) == plain
    assert normalize_whitespace(text.encode()) == plain.encode()
    assert normalize_whitespace([text, (text,)]) == [plain, (plain,)]
    for dtype in (str, object):
        array = normalize_whitespace(np.array([[text]], dtype=dtype))
        assert array.shape == (1, 1) and array[0, 0] == plain
    dense = normalize_whitespace(tf.constant([text]))
    assert dense.numpy()[0].decode() == plain
    ragged = normalize_whitespace(tf.ragged.constant([[text, text], [text]]))
    assert ragged.flat_values.numpy()[2].decode() == plain
    numbers = np.arange(3)
    assert normalize_whitespace(numbers) is numbers


def test_colliding_or_multiline_tokens_are_named():
    with pytest.raises(ValueError, match=r"2 vocabulary tokens collide .* 'a' and "
                       r"'a\\xa0', 'b\\u3000' and 'b'"):  # fmt: skip
        check_vocabulary(["[PAD]", "a", "a\u00a0", "b\u3000", "b"])
    with pytest.raises(ValueError, match=r"must not hold line breaks.*'x\\ny'"):
        check_vocabulary(["[PAD]", "x\ny"])
    with pytest.raises(ValueError, match="collide"):
        TranslatorTokenizer(vocabulary=["[PAD]", "[UNK]", "[START]", "[END]",
                                        "a", "a\u202f"])  # fmt: skip
    check_vocabulary(["[PAD]", " a", "a"])  # leading spaces survive rstrip()


@pytest.mark.parametrize("lowercase", [False, True])
def test_a_learned_vocabulary_survives_its_file(tmp_path, lowercase):
    tokenizer = TranslatorTokenizer.from_texts(FRENCH, 200, lowercase=lowercase)
    assert not [t for t in tokenizer.vocabulary if any(c.isspace() for c in t)]
    tokenizer.save_assets(str(tmp_path))  # keras-hub's file, read as it reads it
    reread = TranslatorTokenizer(
        vocabulary=str(tmp_path / "vocabulary.txt"), lowercase=lowercase
    )
    assert reread.vocabulary == tokenizer.vocabulary


def test_unicode_spaces_tokenize_as_spaces_eagerly_and_in_tf_data():
    tokenizer = TranslatorTokenizer.from_texts(FRENCH, 200, lowercase=False)
    spaced = ["Quel est le prix\u202f?", "Merci\u3000beaucoup\u2009!"]
    plain = ["Quel est le prix ?", "Merci beaucoup !"]

    def ids(x):
        return keras.tree.map_structure(lambda t: np.asarray(t).tolist(), x)

    assert ids(tokenizer(spaced)) == ids(tokenizer(plain))
    assert ids(tokenizer(spaced[0])) == ids(tokenizer(plain[0]))
    in_pipeline = tf.data.Dataset.from_tensor_slices(spaced).batch(2).map(tokenizer)
    assert next(iter(in_pipeline)).to_list() == ids(tokenizer(plain))
    assert "[UNK]" not in tokenizer.detokenize(tokenizer(spaced[0]))


def test_the_word_vocabulary_splits_words_at_unicode_spaces():
    texts = ["très\u00a0bien", "très bien", "pas\u202fmal", "pas mal"] * 2
    tokenizer = TextClassifierTokenizer.from_texts(
        texts, vocabulary_size=20, vocabulary_type="word"
    )
    assert {"très", "bien", "pas", "mal"} <= set(tokenizer.vocabulary)
    assert (
        np.asarray(tokenizer("très\u00a0bien")).tolist()
        == np.asarray(tokenizer("très bien")).tolist()
    )


def test_a_translator_learned_from_french_spaces_saves_and_loads(tmp_path):
    from applications.translator.task import Translator
    from applications.translator.training import (
        TranslatorTrainingConfig,
        build_translator,
    )

    config = TranslatorTrainingConfig(
        data="pairs.tsv", source_vocabulary_size=80, target_vocabulary_size=200,
        tokenizer="wordpiece",
        sequence_length=12, num_layers=1, num_heads=2, hidden_dim=8,
        intermediate_dim=16, dropout=0.0,
    )  # fmt: skip
    keras.utils.set_random_seed(0)
    sources = [f"sentence {i}" for i in range(len(FRENCH))]
    translator = build_translator(config, sources, FRENCH)
    translator.save_to_preset(tmp_path / "translator")
    loaded = Translator.from_preset(tmp_path / "translator")
    assert (
        loaded.preprocessor.target_tokenizer.vocabulary
        == translator.preprocessor.target_tokenizer.vocabulary
    )

"""Tokenizer and preprocessor: vocabularies, splitting, packing, empty texts."""

import numpy as np
import pytest
from classifier_helpers import TEXTS

from applications.text_classifier.preprocessor import TextClassifierPreprocessor
from applications.text_classifier.tokenizer import (
    RESERVED_TOKENS,
    TextClassifierTokenizer,
)


@pytest.fixture(scope="module")
def word_tokenizer():
    return TextClassifierTokenizer.from_texts(
        TEXTS, vocabulary_size=40, vocabulary_type="word"
    )


def test_word_vocabulary_is_frequency_ranked_lowercased_words(word_tokenizer):
    vocabulary = word_tokenizer.get_vocabulary()
    assert vocabulary[:4] == RESERVED_TOKENS
    # Counted independently: "." x6, "," x2, "a" x3, "and" x3, "film" x2, ...
    assert vocabulary[4:9] == [".", "a", "and", ",", "film"]
    assert len(vocabulary) == 4 + 30  # all 30 distinct words fit in 40
    assert "gorgeous" in vocabulary and "Gorgeous" not in vocabulary
    small = TextClassifierTokenizer.from_texts(
        TEXTS, vocabulary_size=6, vocabulary_type="word"
    )
    assert small.get_vocabulary() == RESERVED_TOKENS + [".", "a"]


def test_word_tokenizer_splits_punctuation_and_maps_unknown_words(word_tokenizer):
    ids = word_tokenizer("A WITTY, gorgeous film!")
    tokens = [word_tokenizer.id_to_token(int(i)) for i in np.asarray(ids)]
    # "witty" and "!" are known; "gorgeous" too; nothing is split into pieces.
    assert tokens == ["a", "witty", ",", "gorgeous", "film", "[UNK]"]
    assert word_tokenizer.detokenize(word_tokenizer("a dull film .")) == (
        "a dull film ."
    )


def test_wordpiece_tokenizer_splits_unknown_words_into_pieces():
    tokenizer = TextClassifierTokenizer.from_texts(TEXTS, vocabulary_size=60)
    assert tokenizer.get_vocabulary()[:4] == RESERVED_TOKENS
    ids = np.asarray(tokenizer("a filmic plot"))
    assert 1 not in ids  # no [UNK]: pieces and characters cover it
    assert tokenizer.detokenize(tokenizer("a filmic plot")) == "a filmic plot"


def test_special_token_ids_are_fixed(word_tokenizer):
    assert word_tokenizer.pad_token_id == 0
    assert word_tokenizer.token_to_id("[UNK]") == 1
    assert (word_tokenizer.cls_token_id, word_tokenizer.sep_token_id) == (2, 3)


def test_empty_texts_are_errors(word_tokenizer):
    with pytest.raises(ValueError, match="empty string at index 0"):
        word_tokenizer("   ")
    with pytest.raises(ValueError, match="empty string at index 1"):
        word_tokenizer(["a film", ""])
    with pytest.raises(ValueError, match="at least one text"):
        word_tokenizer([])
    with pytest.raises(TypeError, match="int 3 at index 0"):
        word_tokenizer([3])
    with pytest.raises(ValueError, match="non-empty list"):
        TextClassifierTokenizer.from_texts([], vocabulary_size=10)
    with pytest.raises(ValueError, match="empty string at index 1"):
        TextClassifierTokenizer.from_texts(["a", ""], vocabulary_size=10)
    with pytest.raises(ValueError, match="vocabulary_size"):
        TextClassifierTokenizer.from_texts(TEXTS, vocabulary_size=4)
    with pytest.raises(ValueError, match="vocabulary_type"):
        TextClassifierTokenizer.from_texts(TEXTS, 10, vocabulary_type="chars")


def test_preprocessor_packs_cls_tokens_sep_and_padding(word_tokenizer):
    preprocessor = TextClassifierPreprocessor(word_tokenizer, sequence_length=8)
    x = preprocessor(["a dull film .", "warm and funny from start to finish ."])
    ids = np.asarray(x["token_ids"])
    mask = np.asarray(x["padding_mask"])
    token = word_tokenizer.token_to_id
    expected_first = [2, token("a"), token("dull"), token("film"), token("."), 3]
    np.testing.assert_array_equal(ids[0], expected_first + [0, 0])
    np.testing.assert_array_equal(mask[0], [1, 1, 1, 1, 1, 1, 0, 0])
    # Truncated to 8: [CLS], six words, [SEP].
    assert ids[1, 0] == 2 and ids[1, -1] == 3 and mask[1].all()
    assert sorted(x) == ["padding_mask", "token_ids"]
    x, y = preprocessor(["a dull film"], [1])
    assert np.asarray(y).tolist() == [1]
    with pytest.raises(ValueError, match="empty string at index 0"):
        preprocessor([""])
    with pytest.raises(ValueError, match="sequence_length"):
        TextClassifierPreprocessor(word_tokenizer, sequence_length=2)

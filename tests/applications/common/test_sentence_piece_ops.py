"""A SentencePiece tokenizer keeps working in tf.data after a seed is set."""

import keras
import pytest
import tensorflow as tf

from applications.common.sentence_piece_ops import refresh_sentence_piece_op
from applications.common.sentence_piece_tokenizer import (
    ReservedTokensSentencePieceTokenizer,
)
from applications.gpt.tokenizer import GPTTokenizer
from applications.translator.tokenizer import TranslatorSentencePieceTokenizer

TEXTS = ["the cat sat on the mat", "the dog ran in the park"]


def test_tokenizer_works_in_tf_data_after_a_seed_when_refreshed():
    tokenizer = ReservedTokensSentencePieceTokenizer.from_texts(TEXTS * 5, 300)
    expected = [list(ids) for ids in tokenizer(TEXTS)]
    keras.utils.set_random_seed(1)  # deletes the op made with the tokenizer

    def tokenize(texts):
        refresh_sentence_piece_op(tokenizer)
        return tokenizer(texts)

    dataset = tf.data.Dataset.from_tensor_slices(TEXTS).batch(2).map(tokenize)
    (batch,) = list(dataset)
    assert batch.to_list() == expected


def test_refresh_does_nothing_outside_a_trace():
    tokenizer = ReservedTokensSentencePieceTokenizer.from_texts(TEXTS * 5, 300)
    op = tokenizer._sentence_piece
    refresh_sentence_piece_op(tokenizer)
    assert tokenizer._sentence_piece is op


@pytest.mark.parametrize(
    "tokenizer_cls", [TranslatorSentencePieceTokenizer, GPTTokenizer]
)
def test_application_tokenizers_refresh_their_op_in_tf_data(tokenizer_cls):
    tokenizer = tokenizer_cls.from_texts(TEXTS * 5, vocabulary_size=300)
    expected = [list(ids) for ids in tokenizer(TEXTS)]
    keras.utils.set_random_seed(1)  # deletes the op made with the tokenizer
    dataset = tf.data.Dataset.from_tensor_slices(TEXTS).batch(2).map(tokenizer)
    (batch,) = list(dataset)
    assert batch.to_list() == expected

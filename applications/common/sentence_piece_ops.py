"""A workaround for SentencePiece tokenizers in `tf.data` after a seed is set.

keras-hub's `SentencePieceTokenizer` makes its TensorFlow Text op once, when
its model is set. Setting TensorFlow's global seed afterwards
(`keras.utils.set_random_seed`, `tf.random.set_seed`) clears TensorFlow's
eager kernel cache, which deletes the op's resource: the tokenizer then
fails inside `tf.data` with "Resource localhost/_0_SentencepieceOp/...
does not exist" (Python calls, which use the `sentencepiece` package, still
work). `refresh_sentence_piece_op` makes the op anew, outside any graph
being traced; `SentencePieceOpRefreshMixin` does so whenever a tokenizer's
`tokenize` is traced (by `tf.data` or a `tf.function`).
"""


def refresh_sentence_piece_op(tokenizer):
    """Makes a SentencePiece tokenizer's TensorFlow op anew, eagerly.

    Only inside a `tf.function` or `tf.data` trace (where the op is used),
    for a tokenizer with a model; otherwise nothing is done.

    Args:
        tokenizer: a `keras_hub.tokenizers.SentencePieceTokenizer`.
    """
    import tensorflow as tf

    if not tf.inside_function() or getattr(tokenizer, "proto", None) is None:
        return
    with tf.init_scope():
        tokenizer.set_proto(tokenizer.proto)


class SentencePieceOpRefreshMixin:
    """Makes a SentencePiece tokenizer's op anew whenever `tokenize` is
    traced, so the tokenizer works in `tf.data` whenever the seed was set.
    Put it before `keras_hub.tokenizers.SentencePieceTokenizer` in the bases.
    """

    def tokenize(self, inputs, *args, **kwargs):
        refresh_sentence_piece_op(self)
        return super().tokenize(inputs, *args, **kwargs)

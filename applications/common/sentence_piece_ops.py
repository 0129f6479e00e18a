"""A workaround for SentencePiece tokenizers in `tf.data` after a seed is set.

keras-hub's `SentencePieceTokenizer` makes its TensorFlow Text op once, when
its model is set. Setting TensorFlow's global seed afterwards
(`keras.utils.set_random_seed`, `tf.random.set_seed`) clears TensorFlow's
eager kernel cache, which deletes the op's resource: the tokenizer then
fails inside `tf.data` with "Resource localhost/_0_SentencepieceOp/...
does not exist" (Python calls, which use the `sentencepiece` package, still
work). `refresh_sentence_piece_op` makes the op anew, outside any graph
being traced; a preprocessor calls it when `tf.data` traces it.
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

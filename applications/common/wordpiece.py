"""WordPiece vocabulary learning shared by the text applications."""


def learn_wordpiece_vocabulary(
    texts, vocabulary_size, reserved_tokens, lowercase=True, batch_size=1024
):
    """Learns a WordPiece vocabulary from training texts.

    Uses `keras_hub.tokenizers.compute_word_piece_vocabulary` (deterministic
    for a given corpus). Its pre-tokenizer splits CJK characters into single
    tokens, so the vocabulary also covers languages written without spaces.

    Args:
        texts: non-empty list of training strings.
        vocabulary_size: the largest vocabulary to learn, reserved tokens
            included; a small corpus may give fewer tokens.
        reserved_tokens: tokens placed first, in order (e.g. `[PAD]` first
            so that it has id 0).
        lowercase: whether to lowercase (and strip accents) before learning.
        batch_size: strings per batch fed to the vocabulary learner.

    Returns:
        list of str, the vocabulary, starting with `reserved_tokens`.

    Raises:
        ValueError: for empty `texts` or a `vocabulary_size` not larger than
            the number of reserved tokens.

    Example:
    >>> learn_wordpiece_vocabulary(["我喜欢茶。", "I like tea."], 50,
    ...                            ["[PAD]", "[UNK]"])[:4]
    ['[PAD]', '[UNK]', ...]
    """
    import keras_hub
    import tensorflow as tf

    if isinstance(texts, str) or not len(texts):
        raise ValueError(
            "`texts` must be a non-empty list of strings. Received: "
            f"texts={texts!r:.80}"
        )
    check_vocabulary_size(vocabulary_size, reserved_tokens)
    dataset = tf.data.Dataset.from_tensor_slices(list(texts)).batch(batch_size)
    return keras_hub.tokenizers.compute_word_piece_vocabulary(
        dataset,
        vocabulary_size=vocabulary_size,
        lowercase=lowercase,
        reserved_tokens=list(reserved_tokens),
    )


def check_vocabulary_size(vocabulary_size, reserved_tokens):
    """Checks that `vocabulary_size` leaves room beyond the reserved tokens.

    Raises:
        ValueError: for a non-integer or too small size.
    """
    if not isinstance(vocabulary_size, int) or vocabulary_size <= len(reserved_tokens):
        raise ValueError(
            "`vocabulary_size` must be an integer larger than the "
            f"{len(reserved_tokens)} reserved tokens. Received: "
            f"vocabulary_size={vocabulary_size!r}"
        )

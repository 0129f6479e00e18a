"""WordPiece tokenizers with reserved tokens, and vocabulary learning, shared
by the text applications."""

import keras_hub

from applications.common.presets import PresetMixin

UNK_TOKEN = "[UNK]"


class ReservedTokensWordPieceTokenizer(
    PresetMixin, keras_hub.tokenizers.WordPieceTokenizer
):
    """A `keras_hub.tokenizers.WordPieceTokenizer` whose vocabulary starts
    with an application's reserved tokens (`[PAD]` first, so it has id 0,
    and `[UNK]` for what the vocabulary lacks).

    A subclass sets `reserved_tokens` (the list, in id order) and
    `special_tokens` (keras-hub's attribute name -> token, e.g.
    `{"pad_token": "[PAD]", "start_token": "[START]"}`).

    Args:
        vocabulary: list of tokens or path to a vocabulary file (one token per
            line); must contain the reserved tokens.
        lowercase: whether to lowercase (and strip accents from) the text.
        **kwargs: forwarded to `keras_hub.tokenizers.WordPieceTokenizer`.

    Call arguments:
        inputs: a string, a list of strings, or a string tensor.

    Returns:
        Token ids, ragged over the batch for a batch of strings.
    """

    reserved_tokens = ["[PAD]", UNK_TOKEN]
    special_tokens = {"pad_token": "[PAD]"}

    def __init__(self, vocabulary=None, lowercase=True, **kwargs):
        for attribute, token in self.special_tokens.items():
            self._add_special_token(token, attribute)
        kwargs.setdefault("oov_token", UNK_TOKEN)
        super().__init__(vocabulary=vocabulary, lowercase=lowercase, **kwargs)

    @classmethod
    def from_texts(cls, texts, vocabulary_size, lowercase=True, **kwargs):
        """Learns a WordPiece vocabulary from `texts` and returns a tokenizer.

        Args:
            texts: list of training strings.
            vocabulary_size: the largest vocabulary to learn (reserved tokens
                included); a small corpus may give fewer tokens.
            lowercase: whether to lowercase before learning and tokenizing.
            **kwargs: forwarded to the constructor (e.g. `config_file`).

        Returns:
            An instance of `cls`.
        """
        vocabulary = learn_wordpiece_vocabulary(
            texts, vocabulary_size, cls.reserved_tokens, lowercase=lowercase
        )
        return cls(vocabulary=vocabulary, lowercase=lowercase, **kwargs)


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

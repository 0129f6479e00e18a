"""WordPiece tokenizers with reserved tokens, and vocabulary learning, shared
by the text applications.

Unicode whitespace (U+00A0 no-break space, U+202F narrow no-break space,
U+2009 thin space, U+3000 ideographic space, tabs, ...) is turned into a plain
space before a vocabulary is learned and before text is tokenized
(`normalize_whitespace`). keras-hub splits words on ASCII whitespace only, so
these characters would end up inside tokens, and it reads a vocabulary file
back with `line.rstrip()`, so tokens differing by trailing whitespace would
collide ("Tokens in the vocabulary must be unique") when the preset loads.
`check_vocabulary` checks a vocabulary for that as soon as it is learned.
"""

import keras_hub
import numpy as np

from applications.common.presets import PresetMixin

UNK_TOKEN = "[UNK]"

# Every character for which `str.isspace()` holds but the ASCII space and the
# newline (tests check the list against `str.isspace()`).
UNICODE_WHITESPACE = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_TO_SPACE = str.maketrans(dict.fromkeys(UNICODE_WHITESPACE, " "))
# The same characters as an RE2 class, for `tf.strings.regex_replace`.
_TF_WHITESPACE = "[" + "".join(f"\\x{{{ord(c):04x}}}" for c in UNICODE_WHITESPACE) + "]"


def normalize_whitespace(inputs):
    """Turns Unicode whitespace into plain spaces (newlines are kept).

    Args:
        inputs: a string (or UTF-8 bytes), a list / tuple / numpy array of
            them, or a `tf.string` tensor (dense or ragged, e.g. inside a
            `tf.data` pipeline). Anything else is returned unchanged.

    Returns:
        The same kind of value with every `UNICODE_WHITESPACE` character
        replaced by `" "`.

    Example:
    >>> normalize_whitespace("prix\u202f: 10\u00a0€")
    'prix : 10 €'
    """
    if isinstance(inputs, str):
        return inputs.translate(_TO_SPACE)
    if isinstance(inputs, bytes):
        return inputs.decode("utf-8").translate(_TO_SPACE).encode("utf-8")
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(normalize_whitespace(item) for item in inputs)
    if isinstance(inputs, np.ndarray):
        if inputs.dtype.kind not in ("U", "S", "O"):
            return inputs
        items = [normalize_whitespace(item) for item in inputs.ravel().tolist()]
        dtype = object if inputs.dtype.kind == "O" else None
        return np.array(items, dtype=dtype).reshape(inputs.shape)
    import sys

    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(inputs, (tf.Tensor, tf.RaggedTensor)):
        if inputs.dtype != tf.string:
            return inputs
        if isinstance(inputs, tf.RaggedTensor):
            return inputs.with_flat_values(
                tf.strings.regex_replace(inputs.flat_values, _TF_WHITESPACE, " ")
            )
        return tf.strings.regex_replace(inputs, _TF_WHITESPACE, " ")
    return inputs


def check_vocabulary(vocabulary):
    """Checks that a vocabulary survives its file in a preset.

    keras-hub writes one token per line and reads each line back with
    `rstrip()`: tokens that hold a line break, or that are equal once
    trailing whitespace is stripped, would not come back as they were.

    Args:
        vocabulary: list of tokens.

    Raises:
        ValueError: naming the tokens at fault.
    """
    breaks = [token for token in vocabulary if "\n" in token or "\r" in token]
    if breaks:
        raise ValueError(
            "Vocabulary tokens must not hold line breaks (the vocabulary file "
            f"has one token per line). Received: {breaks[:10]!r}"
        )
    first = {}
    collisions = []
    for token in vocabulary:
        stripped = token.rstrip()
        if stripped in first:
            collisions.append((first[stripped], token))
        else:
            first[stripped] = token
    if collisions:
        shown = ", ".join(f"{a!r} and {b!r}" for a, b in collisions[:10])
        raise ValueError(
            f"{len(collisions)} vocabulary tokens collide when keras-hub reads "
            "the vocabulary file back (it strips trailing whitespace from each "
            f"line): {shown}. Expected tokens that are unique after "
            "`str.rstrip()`; normalise whitespace before learning "
            "(`normalize_whitespace`)."
        )


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
        if isinstance(vocabulary, (list, tuple)):
            check_vocabulary(vocabulary)
        super().__init__(vocabulary=vocabulary, lowercase=lowercase, **kwargs)

    def tokenize(self, inputs, *args, **kwargs):
        """keras-hub's `tokenize`, after `normalize_whitespace(inputs)`."""
        return super().tokenize(normalize_whitespace(inputs), *args, **kwargs)

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
    The texts' Unicode whitespace is normalised first (`normalize_whitespace`)
    and the learned vocabulary checked (`check_vocabulary`).

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
        ValueError: for empty `texts`, a `vocabulary_size` not larger than
            the number of reserved tokens, or a vocabulary that would not
            survive its file (see `check_vocabulary`).

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
    texts = normalize_whitespace(list(texts))
    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(batch_size)
    vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
        dataset,
        vocabulary_size=vocabulary_size,
        lowercase=lowercase,
        reserved_tokens=list(reserved_tokens),
    )
    check_vocabulary(vocabulary)
    return vocabulary


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

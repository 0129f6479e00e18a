"""Tokenizers of the text classifier, with vocabularies learned from data:
lossless SentencePiece (the default of new presets), WordPiece or words."""

import collections

import keras_hub

from applications.common.sentence_piece_tokenizer import (
    ReservedTokensSentencePieceTokenizer,
)
from applications.common.texts import check_texts, is_python_text
from applications.common.wordpiece import (
    UNK_TOKEN,
    ReservedTokensWordPieceTokenizer,
    check_vocabulary_size,
    normalize_whitespace,
)
from applications.text_classifier.backbone import TextClassifierBackbone
from keras_attention.api_export import keras_attention_export

PAD_TOKEN = "[PAD]"
CLS_TOKEN = "[CLS]"
SEP_TOKEN = "[SEP]"
RESERVED_TOKENS = [PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN]
# keras-hub's special-token attributes: [CLS] starts and [SEP] ends a sequence.
SPECIAL_TOKENS = {
    "pad_token": PAD_TOKEN,
    "cls_token": CLS_TOKEN,
    "sep_token": SEP_TOKEN,
    "start_token": CLS_TOKEN,
    "end_token": SEP_TOKEN,
}
VOCABULARY_TYPES = ("wordpiece", "word")
# SentencePiece's model types, and the vocabularies above.
TOKENIZER_TYPES = ("bpe", "unigram") + VOCABULARY_TYPES


class NonEmptyTextsMixin:
    """Refuses an empty or blank Python string (rather than silently making
    it an empty token sequence); tensors pass unchecked."""

    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        if is_python_text(inputs):
            check_texts(inputs)
        return super().__call__(*args, **kwargs)


@keras_attention_export
class TextClassifierTokenizer(NonEmptyTextsMixin, ReservedTokensWordPieceTokenizer):
    """WordPiece tokenizer with `[PAD]`, `[UNK]`, `[CLS]` and `[SEP]` tokens.

    A `keras_hub.tokenizers.WordPieceTokenizer` (which also splits CJK
    characters into single tokens) whose vocabulary starts with the reserved
    tokens, so `[PAD]` has id 0. `[CLS]` starts and `[SEP]` ends every
    packed sequence. Learn a vocabulary from training text with
    `TextClassifierTokenizer.from_texts()`: WordPiece subwords, or whole
    words (`vocabulary_type="word"`; a word outside the vocabulary is `[UNK]`).

    Python strings are checked eagerly: an empty (or blank) text raises a
    `ValueError` rather than silently becoming an empty token sequence.

    Arguments, call and outputs: see `ReservedTokensWordPieceTokenizer`.

    Example:
    >>> tokenizer = TextClassifierTokenizer.from_texts(
    ...     ["a witty film", "a dull film"], vocabulary_size=50)
    >>> tokenizer.detokenize(tokenizer("a witty film"))
    'a witty film'
    """

    backbone_cls = TextClassifierBackbone
    reserved_tokens = RESERVED_TOKENS
    special_tokens = SPECIAL_TOKENS

    @classmethod
    def from_texts(
        cls,
        texts,
        vocabulary_size,
        lowercase=True,
        vocabulary_type="wordpiece",
        **kwargs,
    ):
        """Learns a vocabulary from `texts` and returns a tokenizer.

        `"wordpiece"` uses `keras_hub.tokenizers.compute_word_piece_vocabulary`;
        `"word"` keeps the `vocabulary_size - 4` most frequent words (ties in
        alphabetical order), split exactly as the tokenizer splits text
        (whitespace, punctuation, CJK characters). Both are deterministic for
        a given corpus.

        Args:
            texts: list of training strings.
            vocabulary_size: the largest vocabulary to learn (reserved tokens
                included); a small corpus may give fewer tokens.
            lowercase: whether to lowercase before learning and tokenizing.
            vocabulary_type: `"wordpiece"` (subwords; rare words are split) or
                `"word"` (whole words; rare words become `[UNK]`).
            **kwargs: forwarded to the constructor.

        Returns:
            A `TextClassifierTokenizer`.
        """
        if isinstance(texts, str) or not texts:
            raise ValueError(
                "`texts` must be a non-empty list of strings. Received: "
                f"texts={texts!r:.80}"
            )
        texts = normalize_whitespace(check_texts(texts))
        if vocabulary_type not in VOCABULARY_TYPES:
            raise ValueError(
                f"`vocabulary_type` must be one of {VOCABULARY_TYPES}. "
                f"Received: vocabulary_type={vocabulary_type!r}"
            )
        check_vocabulary_size(vocabulary_size, RESERVED_TOKENS)
        if vocabulary_type == "wordpiece":
            return super().from_texts(texts, vocabulary_size, lowercase, **kwargs)
        counts = count_words(texts, lowercase=lowercase)
        words = sorted(counts, key=lambda word: (-counts[word], word))
        tokens = RESERVED_TOKENS + words[: vocabulary_size - len(RESERVED_TOKENS)]
        return cls(vocabulary=tokens, lowercase=lowercase, **kwargs)


@keras_attention_export
class TextClassifierSentencePieceTokenizer(
    NonEmptyTextsMixin, ReservedTokensSentencePieceTokenizer
):
    """Lossless SentencePiece tokenizer with `[PAD]`, `[UNK]`, `[CLS]` and
    `[SEP]` tokens (ids 0 to 3, as `TextClassifierTokenizer`'s).

    A `keras_hub.tokenizers.SentencePieceTokenizer` (Kudo & Richardson 2018)
    learned with byte fallback and without normalization: no word of any
    language becomes `[UNK]`, and `detokenize(tokenize(text)) == text`. New
    classifier presets use it (`--vocabulary-type bpe`, the default, or
    `unigram`); those with `TextClassifierTokenizer` still load.

    Python strings are checked eagerly: an empty (or blank) text raises a
    `ValueError`. Arguments, call and outputs: see
    `ReservedTokensSentencePieceTokenizer`.

    Example:
    >>> tokenizer = TextClassifierSentencePieceTokenizer.from_texts(
    ...     ["a witty film", "a dull film"], vocabulary_size=300)
    >>> tokenizer.detokenize(tokenizer("a witty, dull film"))
    'a witty, dull film'
    """

    backbone_cls = TextClassifierBackbone
    reserved_tokens = {
        "pad": PAD_TOKEN,
        "unk": UNK_TOKEN,
        "bos": CLS_TOKEN,
        "eos": SEP_TOKEN,
    }
    special_tokens = SPECIAL_TOKENS


def learn_text_classifier_tokenizer(texts, vocabulary_size, vocabulary_type="bpe"):
    """A classifier tokenizer learned from `texts`.

    Args:
        texts: list of training strings.
        vocabulary_size: the largest vocabulary (reserved tokens included).
        vocabulary_type: one of `TOKENIZER_TYPES`: SentencePiece `"bpe"` or
            `"unigram"` (lossless), `"wordpiece"` or `"word"` (lowercased).

    Returns:
        A `TextClassifierSentencePieceTokenizer` or `TextClassifierTokenizer`.

    Raises:
        ValueError: for an unknown `vocabulary_type` or empty texts.
    """
    if vocabulary_type in VOCABULARY_TYPES:
        return TextClassifierTokenizer.from_texts(
            texts, vocabulary_size, vocabulary_type=vocabulary_type
        )
    if vocabulary_type not in TOKENIZER_TYPES:
        raise ValueError(
            f"`vocabulary_type` must be one of {TOKENIZER_TYPES}. Received: "
            f"{vocabulary_type!r}"
        )
    return TextClassifierSentencePieceTokenizer.from_texts(
        check_texts(texts), vocabulary_size, model_type=vocabulary_type
    )


def count_words(texts, lowercase=True, batch_size=1024):
    """Counts the words of `texts` as a WordPiece tokenizer splits them.

    Splitting (whitespace, punctuation, CJK) and case folding are those of
    `keras_hub.tokenizers.WordPieceTokenizer`: a tokenizer whose vocabulary is
    every character of the corpus (alone and as a `##` suffix) breaks each
    word into characters, and detokenizing joins them back into words.

    Args:
        texts: list of strings.
        lowercase: whether to lowercase as the tokenizer will.
        batch_size: strings per batch fed to the splitter.

    Returns:
        `collections.Counter` of words (the reserved tokens left out).
    """
    characters = set()
    for text in texts:
        characters.update(text)
        if lowercase:
            characters.update(text.casefold())
    characters = sorted(c for c in characters if not c.isspace())
    splitter = keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=RESERVED_TOKENS + characters + ["##" + c for c in characters],
        lowercase=lowercase,
        oov_token=UNK_TOKEN,
    )
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(batch_size)
    counts = collections.Counter()
    for batch in dataset.map(lambda x: splitter.detokenize(splitter(x))):
        for text in batch.numpy():
            counts.update(text.decode("utf-8").split())
    for token in RESERVED_TOKENS:
        counts.pop(token, None)
    return counts

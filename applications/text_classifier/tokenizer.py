"""WordPiece tokenizer of the text classifier, with a vocabulary learned from data."""

import keras_hub

from applications.preset_registry import PresetMixin
from applications.text_classifier.backbone import TextClassifierBackbone
from keras_attention.api_export import keras_attention_export

PAD_TOKEN = "[PAD]"
UNK_TOKEN = "[UNK]"
CLS_TOKEN = "[CLS]"
SEP_TOKEN = "[SEP]"
RESERVED_TOKENS = [PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN]


@keras_attention_export
class TextClassifierTokenizer(PresetMixin, keras_hub.tokenizers.WordPieceTokenizer):
    """WordPiece tokenizer with `[PAD]`, `[UNK]`, `[CLS]` and `[SEP]` tokens.

    A `keras_hub.tokenizers.WordPieceTokenizer` (which also splits CJK
    characters into single tokens) whose vocabulary starts with the reserved
    tokens, so `[PAD]` has id 0. `[CLS]` starts and `[SEP]` ends every
    packed sequence. Learn a vocabulary from training text with
    `TextClassifierTokenizer.from_texts()`.

    Args:
        vocabulary: list of tokens or path to a vocabulary file (one token per
            line); must contain the reserved tokens.
        lowercase: whether to lowercase the text before tokenizing.
        **kwargs: forwarded to `keras_hub.tokenizers.WordPieceTokenizer`.

    Call arguments:
        inputs: a string, a list of strings, or a string tensor.

    Returns:
        Token ids, ragged over the batch for a batch of strings.

    Example:
    >>> tokenizer = TextClassifierTokenizer.from_texts(
    ...     ["a witty film", "a dull film"], vocabulary_size=50)
    >>> tokenizer.detokenize(tokenizer("a witty film"))
    'a witty film'
    """

    backbone_cls = TextClassifierBackbone

    def __init__(self, vocabulary=None, lowercase=True, **kwargs):
        self._add_special_token(PAD_TOKEN, "pad_token")
        self._add_special_token(CLS_TOKEN, "cls_token")
        self._add_special_token(SEP_TOKEN, "sep_token")
        self._add_special_token(CLS_TOKEN, "start_token")
        self._add_special_token(SEP_TOKEN, "end_token")
        kwargs.setdefault("oov_token", UNK_TOKEN)
        super().__init__(vocabulary=vocabulary, lowercase=lowercase, **kwargs)

    @classmethod
    def from_texts(cls, texts, vocabulary_size, lowercase=True, **kwargs):
        """Learns a WordPiece vocabulary from `texts` and returns a tokenizer.

        Uses `keras_hub.tokenizers.compute_word_piece_vocabulary`, which is
        deterministic for a given corpus.

        Args:
            texts: list of training strings.
            vocabulary_size: the largest vocabulary to learn (reserved tokens
                included); a small corpus may give fewer tokens.
            lowercase: whether to lowercase before learning and tokenizing.
            **kwargs: forwarded to the constructor.

        Returns:
            A `TextClassifierTokenizer`.
        """
        import tensorflow as tf

        if isinstance(texts, str) or not texts:
            raise ValueError(
                "`texts` must be a non-empty list of strings. Received: "
                f"texts={texts!r:.80}"
            )
        if not isinstance(vocabulary_size, int) or vocabulary_size <= len(
            RESERVED_TOKENS
        ):
            raise ValueError(
                "`vocabulary_size` must be an integer larger than the "
                f"{len(RESERVED_TOKENS)} reserved tokens. Received: "
                f"vocabulary_size={vocabulary_size!r}"
            )
        dataset = tf.data.Dataset.from_tensor_slices(list(texts)).batch(1024)
        vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
            dataset,
            vocabulary_size=vocabulary_size,
            lowercase=lowercase,
            reserved_tokens=RESERVED_TOKENS,
        )
        return cls(vocabulary=vocabulary, lowercase=lowercase, **kwargs)

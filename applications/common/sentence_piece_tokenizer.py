"""The lossless SentencePiece tokenizer of the sentence tasks (translator,
classifier): an application's reserved tokens first, byte fallback."""

import keras_hub

from applications.common.presets import PresetMixin
from applications.common.sentence_piece import train_sentence_piece
from applications.common.sentence_piece_ops import SentencePieceOpRefreshMixin


class ReservedTokensSentencePieceTokenizer(
    SentencePieceOpRefreshMixin,
    PresetMixin,
    keras_hub.tokenizers.SentencePieceTokenizer,
):
    """A lossless `keras_hub.tokenizers.SentencePieceTokenizer` whose
    vocabulary starts with an application's reserved tokens.

    The sentence-task counterpart of `ReservedTokensWordPieceTokenizer`,
    with the same reserved tokens and ids (e.g. `[PAD]` 0, `[UNK]` 1,
    `[START]` 2, `[END]` 3), but lossless: no lowercasing or other
    normalization, spaces kept, and byte fallback, so that
    `detokenize(tokenize(text)) == text` in any language and `[UNK]` never
    appears. For subwords, a text is read with a leading space
    (`add_dummy_prefix`), so a sentence's first word has its usual pieces.

    A subclass sets `reserved_tokens` (SentencePiece's special kind ->
    token, in id order: `"pad"`, `"unk"`, `"bos"`, `"eos"`) and
    `special_tokens` (keras-hub's attribute name -> token), and may set
    `extra_symbols`, pieces that are never split (e.g. BERT's `[MASK]`),
    given the ids after the reserved tokens and `"\\n"`.

    Args:
        proto: the serialized SentencePiece model (bytes) or a path to a
            `.spm` file; None when loading from a preset.
        **kwargs: forwarded to `keras_hub.tokenizers.SentencePieceTokenizer`.

    Call arguments:
        inputs: a string, a list of strings, or a string tensor.

    Returns:
        Token ids, ragged over the batch for a batch of strings.
    """

    reserved_tokens = {"pad": "[PAD]", "unk": "[UNK]"}
    special_tokens = {"pad_token": "[PAD]"}
    extra_symbols = ()

    def __init__(self, proto=None, **kwargs):
        for attribute, token in self.special_tokens.items():
            self._add_special_token(token, attribute)
        super().__init__(proto=proto, **kwargs)

    @classmethod
    def from_texts(
        cls,
        texts,
        vocabulary_size,
        model_type="bpe",
        character_coverage=0.9995,
        **kwargs,
    ):
        """Learns a SentencePiece model from `texts` and returns a tokenizer.

        Args:
            texts: list of training strings.
            vocabulary_size: the number of ids, 261 reserved ones included
                (for `"char"`, the most).
            model_type: `"bpe"`, `"unigram"` or `"char"`.
            character_coverage: share of characters given a piece of their
                own; the rarest others are spelled in bytes (SentencePiece's
                default 0.9995 suits Chinese and Japanese).
            **kwargs: forwarded to the constructor (e.g. `config_file`).

        Returns:
            An instance of `cls`.

        Raises:
            ValueError: for empty texts, and see `train_sentence_piece`.
        """
        if isinstance(texts, str) or not len(texts):
            raise ValueError(
                "`texts` must be a non-empty list of strings. Received: "
                f"texts={texts!r:.80}"
            )
        proto = train_sentence_piece(
            texts,
            vocabulary_size,
            model_type,
            character_coverage,
            special_pieces=cls.reserved_tokens,
            extra_symbols=cls.extra_symbols,
            add_dummy_prefix=model_type != "char",
        )
        return cls(proto=proto, **kwargs)

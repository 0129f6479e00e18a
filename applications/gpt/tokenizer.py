"""Tokenizer of the GPT: lossless SentencePiece characters or subwords."""

import keras_hub

from applications.common.presets import PresetMixin
from applications.common.sentence_piece import train_sentence_piece
from applications.common.sentence_piece_ops import SentencePieceOpRefreshMixin
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class GPTTokenizer(
    SentencePieceOpRefreshMixin,
    PresetMixin,
    keras_hub.tokenizers.SentencePieceTokenizer,
):
    """A `keras_hub.tokenizers.SentencePieceTokenizer` for language models.

    Made by `from_texts()` with `applications.common.sentence_piece`: one
    token per character (`"char"`, for poems and plays) or learned subwords
    (`"bpe"`, `"unigram"`), with byte fallback, so that
    `detokenize(tokenize(text)) == text` for any text in any language, no
    normalization applied. As GPT-2's `<|endoftext|>`, one token, `</s>`,
    marks the boundary between documents: it separates the training
    documents, is the prompt of an unprompted generation (the start token)
    and stops generation (the end token). `<unk>` pads (byte fallback never
    produces it).

    Args:
        proto: the serialized SentencePiece model (bytes) or a path to a
            `.spm` file; None when loading from a preset.
        **kwargs: forwarded to `keras_hub.tokenizers.SentencePieceTokenizer`.

    Example:
    >>> tokenizer = GPTTokenizer.from_texts(["To be, or not to be"])
    >>> tokenizer.detokenize(tokenizer.tokenize("to be\\n"))
    'to be\\n'
    """

    def __init__(self, proto=None, **kwargs):
        self._add_special_token("</s>", "start_token")
        self._add_special_token("</s>", "end_token")
        self._add_special_token("<unk>", "pad_token")
        super().__init__(proto=proto, **kwargs)

    @classmethod
    def from_texts(
        cls,
        texts,
        vocabulary_size=512,
        model_type="char",
        character_coverage=1.0,
        byte_fallback=True,
    ):
        """Learns the vocabulary from texts (see `train_sentence_piece`).

        Args:
            texts: strings (documents).
            vocabulary_size: the most ids, 260 reserved ones included (261
                for characters: the space too).
            model_type: `"char"`, `"bpe"` or `"unigram"`.
            character_coverage: share of characters given a token of their
                own; the rarest others are spelled in bytes.
            byte_fallback: False: no byte tokens; a character vocabulary
                is then the 3 specials and exactly the characters of the
                texts (nanoGPT's), and an unseen character becomes `<unk>`
                (`detokenize` writes it `" \u2047 "`).

        Returns:
            A `GPTTokenizer`.

        Raises:
            ValueError: see `train_sentence_piece`.
        """
        return cls(
            proto=train_sentence_piece(
                texts,
                vocabulary_size,
                model_type,
                character_coverage,
                byte_fallback=byte_fallback,
            )
        )

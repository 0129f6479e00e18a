"""Lossless SentencePiece vocabularies: characters or subwords, byte fallback.

`train_sentence_piece()` learns a SentencePiece model (Kudo & Richardson
2018) from texts with the options that make `detokenize(tokenize(text))`
give `text` back exactly, in any language:

- no normalization (`normalization_rule_name="identity"`): the text is
  taken as it is, not NFKC-folded; spaces are kept, leading, trailing and
  repeated ones included (`remove_extra_whitespaces=False`,
  `add_dummy_prefix=False`);
- `"\\n"` is a token of its own (SentencePiece learns from lines, so a
  newline would otherwise be unknown), and so is the space for a character
  vocabulary (however rare spaces are in the text, e.g. in Chinese);
- byte fallback: a character outside the vocabulary becomes the tokens of
  its UTF-8 bytes (`<0x00>` ... `<0xFF>`), never `<unk>`.

The ids are fixed: 0 `<unk>`, 1 `<s>` (start), 2 `</s>` (end), 3 `"\\n"`,
(4 the space `"\u2581"`, for characters), then the 256 byte tokens, then
the learned pieces. The model is the serialized proto that
`keras_hub.tokenizers.SentencePieceTokenizer` reads.
"""

import io

#: Model types: one token per character, or learned subwords.
MODEL_TYPES = ("char", "bpe", "unigram")
#: The ids before the learned pieces: specials, newline, 256 bytes.
RESERVED_PIECES = 4 + 256  # a character vocabulary reserves the space too


def train_sentence_piece(
    texts, vocabulary_size, model_type="char", character_coverage=1.0
):
    """Learns a lossless SentencePiece model from texts.

    Args:
        texts: an iterable of strings (documents; split into lines for
            SentencePiece, whose training sentences are lines).
        vocabulary_size: the most ids, the `RESERVED_PIECES` (260) included;
            a character model keeps at most this many (fewer when the texts
            have fewer characters), a subword model exactly this many.
        model_type: `"char"`, `"bpe"` or `"unigram"`.
        character_coverage: the share of characters covered by pieces of
            their own, in (0, 1]; the rarest others fall back to bytes
            (e.g. 0.9995 for Chinese).

    Returns:
        bytes, the serialized SentencePiece model proto.

    Raises:
        ValueError: for an unknown `model_type`, a `vocabulary_size` that
            leaves no room for learned pieces, texts without a character,
            or a subword `vocabulary_size` smaller than the characters the
            coverage asks for (SentencePiece's message is kept).
    """
    import sentencepiece

    if model_type not in MODEL_TYPES:
        raise ValueError(
            f"`model_type` must be one of {MODEL_TYPES}. Received: {model_type!r}"
        )
    if not isinstance(vocabulary_size, int) or vocabulary_size <= RESERVED_PIECES:
        raise ValueError(
            f"`vocabulary_size` must be an integer above {RESERVED_PIECES} (the "
            "special, newline and 256 byte tokens come first). Received: "
            f"vocabulary_size={vocabulary_size!r}"
        )
    lines = [line for text in texts for line in text.split("\n") if line]
    if not lines:
        raise ValueError(
            "Cannot learn a vocabulary from texts without a character. Received "
            "only empty texts (or none)."
        )
    model = io.BytesIO()
    try:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_writer=model,
            model_type=model_type,
            vocab_size=vocabulary_size,
            hard_vocab_limit=model_type != "char",
            character_coverage=character_coverage,
            byte_fallback=True,
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            add_dummy_prefix=False,
            # The space is "\u2581" inside SentencePiece: a piece of its own
            # for characters, a character every subword may start with.
            **(
                {"user_defined_symbols": ["\n", "\u2581"]}
                if model_type == "char"
                else {"user_defined_symbols": ["\n"], "required_chars": "\u2581"}
            ),
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            max_sentence_length=1 << 16,
            input_sentence_size=2_000_000,
            shuffle_input_sentence=True,
            num_threads=1,
            minloglevel=2,
        )
    except RuntimeError as error:
        raise ValueError(
            f"SentencePiece could not learn a {model_type!r} vocabulary of "
            f"{vocabulary_size} pieces: {error}"
        ) from None
    return model.getvalue()

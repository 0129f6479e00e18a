"""Lossless SentencePiece vocabularies: characters or subwords, byte fallback.

`train_sentence_piece()` learns a SentencePiece model (Kudo & Richardson
2018) from texts with the options that make `detokenize(tokenize(text))`
give `text` back exactly, in any language:

- no normalization (`normalization_rule_name="identity"`): the text is
  taken as it is, not NFKC-folded; spaces are kept, leading, trailing and
  repeated ones included (`remove_extra_whitespaces=False`);
- `"\\n"` is a token of its own (SentencePiece learns from lines, so a
  newline would otherwise be unknown), and so is the space for a character
  vocabulary (however rare spaces are in the text, e.g. in Chinese);
- byte fallback: a character outside the vocabulary becomes the tokens of
  its UTF-8 bytes (`<0x00>` ... `<0xFF>`), never the unknown token
  (`byte_fallback=False` leaves the bytes out: an exact character
  vocabulary, lossy on characters the texts did not have).

The ids are fixed: first the special pieces (by default 0 `<unk>`, 1 `<s>`
(start), 2 `</s>` (end); an application may name its own, e.g. `[PAD]`,
`[UNK]`, `[START]`, `[END]`), then `"\\n"` (and the space `"\u2581"` for
characters), any extra symbols (e.g. `[MASK]`), the 256 byte tokens, and
the learned pieces. The model is the serialized proto that
`keras_hub.tokenizers.SentencePieceTokenizer` reads
(`applications.common.sentence_piece_tokenizer` is that tokenizer for the
sentence tasks). This module imports no Keras.
"""

import collections
import io
import itertools

#: Model types: one token per character, or learned subwords.
MODEL_TYPES = ("char", "bpe", "unigram")
#: The special pieces of a language model: SentencePiece's kind -> piece, in
#: id order.
DEFAULT_SPECIAL_PIECES = {"unk": "<unk>", "bos": "<s>", "eos": "</s>"}
#: The ids before the learned pieces by default: specials, newline, 256 bytes.
RESERVED_PIECES = 4 + 256  # a character vocabulary reserves the space too
_KINDS = ("pad", "unk", "bos", "eos")
# SentencePiece refuses a `character_coverage` below this.
_LOWEST_COVERAGE = 0.98


def train_sentence_piece(
    texts,
    vocabulary_size,
    model_type="char",
    character_coverage=1.0,
    special_pieces=None,
    extra_symbols=(),
    add_dummy_prefix=False,
    byte_fallback=True,
):
    """Learns a lossless SentencePiece model from texts.

    Args:
        texts: an iterable of strings (documents; split into lines for
            SentencePiece, whose training sentences are lines).
        vocabulary_size: the most ids, the reserved ones included (260 by
            default: specials, newline, 256 bytes); at most this many are
            learned (fewer when the texts have fewer characters, or too few
            words for that many subwords).
        model_type: `"char"`, `"bpe"` or `"unigram"`.
        character_coverage: the share of characters covered by pieces of
            their own, in (0, 1]; the rarest others fall back to bytes
            (e.g. 0.9995 for Chinese). For subwords it is lowered where
            needed so that characters take at most 3/4 of the learned
            pieces (a small Chinese corpus has more characters than a small
            vocabulary holds).
        special_pieces: dict of SentencePiece's special kinds (`"pad"`,
            `"unk"`, `"bos"`, `"eos"`; `"unk"` required) -> piece, given
            ids 0, 1, ... in order (default `DEFAULT_SPECIAL_PIECES`).
        extra_symbols: more pieces that are never split (e.g. `"[MASK]"`),
            with the ids after `"\\n"`.
        add_dummy_prefix: whether a text is read as if it began with a
            space, so that its first word has the same pieces as inside a
            sentence (the decoder removes that space again); for
            sentence-level tasks, not for a stream of text.
        byte_fallback: whether the 256 byte tokens are reserved and a
            character without a piece becomes its bytes (lossless). False:
            the vocabulary is the specials, `"\\n"`, the extra symbols
            and the learned pieces only (for characters, exactly the
            characters of the texts, as nanoGPT's character vocabulary),
            and any other character becomes the unknown piece.

    Returns:
        bytes, the serialized SentencePiece model proto.

    Raises:
        ValueError: for an unknown `model_type` or special kind, a
            `vocabulary_size` that leaves no room for learned pieces, texts
            without a character, or a subword `vocabulary_size` smaller than
            the characters the coverage asks for (SentencePiece's message is
            kept).
    """
    import sentencepiece

    if model_type not in MODEL_TYPES:
        raise ValueError(
            f"`model_type` must be one of {MODEL_TYPES}. Received: {model_type!r}"
        )
    special_pieces = dict(special_pieces or DEFAULT_SPECIAL_PIECES)
    if "unk" not in special_pieces or set(special_pieces) - set(_KINDS):
        raise ValueError(
            f"`special_pieces` must map some of {_KINDS}, 'unk' included, to "
            f"pieces. Received: {special_pieces!r}"
        )
    symbols = ["\n"] + (["\u2581"] if model_type == "char" else [])
    symbols += list(extra_symbols)
    reserved = len(special_pieces) + len(symbols) + (256 if byte_fallback else 0)
    if not isinstance(vocabulary_size, int) or vocabulary_size <= reserved:
        raise ValueError(
            f"`vocabulary_size` must be an integer above {reserved} (the "
            "special and newline tokens"
            + (" and 256 byte tokens" if byte_fallback else "")
            + " come first). Received: "
            f"vocabulary_size={vocabulary_size!r}"
        )
    lines = [line for text in texts for line in text.split("\n") if line]
    if not lines:
        raise ValueError(
            "Cannot learn a vocabulary from texts without a character. Received "
            "only empty texts (or none)."
        )
    if model_type != "char":
        character_coverage = _coverage_within(
            lines, character_coverage, vocabulary_size, reserved
        )
    ids = {f"{kind}_id": -1 for kind in _KINDS}
    pieces = {}
    for index, (kind, piece) in enumerate(special_pieces.items()):
        ids[f"{kind}_id"] = index
        pieces[f"{kind}_piece"] = piece
    model = io.BytesIO()
    try:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_writer=model,
            model_type=model_type,
            vocab_size=vocabulary_size,
            hard_vocab_limit=False,
            character_coverage=character_coverage,
            byte_fallback=byte_fallback,
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            add_dummy_prefix=add_dummy_prefix,
            # The space is "\u2581" inside SentencePiece: a piece of its own
            # for characters, a character every subword may start with.
            user_defined_symbols=symbols,
            **({} if model_type == "char" else {"required_chars": "\u2581"}),
            **ids,
            **pieces,
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


def _coverage_within(lines, coverage, vocabulary_size, reserved):
    """`coverage`, or less (down to SentencePiece's lowest, 0.98) so that
    the characters SentencePiece keeps (the most frequent ones, until they
    cover that share of the text) take at most 3/4 of the learned pieces.

    Raises:
        ValueError: when even a coverage of 0.98 keeps more characters.
    """
    most_characters = (vocabulary_size - reserved) * 3 // 4
    counts = collections.Counter("".join(lines).replace(" ", "\u2581"))
    frequencies = sorted(counts.values(), reverse=True)
    if len(frequencies) <= most_characters:
        return coverage
    total = sum(frequencies)
    covered = sum(frequencies[:most_characters]) / total
    if covered >= min(coverage, _LOWEST_COVERAGE):
        return min(coverage, covered * (1 - 1e-9))
    shares = itertools.accumulate(frequency / total for frequency in frequencies)
    needed = next(i + 1 for i, share in enumerate(shares) if share >= _LOWEST_COVERAGE)
    raise ValueError(
        f"A vocabulary of {vocabulary_size:,} is too small for the characters of "
        f"the texts: {needed:,} characters cover {_LOWEST_COVERAGE:.0%} of the "
        "text, and characters may take at most 3/4 of the "
        f"{vocabulary_size - reserved:,} learned pieces. Ask for a vocabulary of "
        "at least "
        f"{reserved + -(-needed * 4 // 3):,}, or learn from more text."
    )

"""Tokenizer of the masked language model: lossless SentencePiece with
BERT's special tokens `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]`."""

from applications.bert.backbone import BertBackbone
from applications.common.sentence_piece_tokenizer import (
    ReservedTokensSentencePieceTokenizer,
)
from keras_attention.api_export import keras_attention_export

PAD_TOKEN = "[PAD]"
UNK_TOKEN = "[UNK]"
CLS_TOKEN = "[CLS]"
SEP_TOKEN = "[SEP]"
MASK_TOKEN = "[MASK]"
# SentencePiece's space, the start of a word's first piece.
SPACE_PIECE = "\u2581"
# SentencePiece's special kinds, in id order: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3.
RESERVED_TOKENS = {"pad": PAD_TOKEN, "unk": UNK_TOKEN, "bos": CLS_TOKEN,
                   "eos": SEP_TOKEN}  # fmt: skip
# keras-hub's special-token attributes (those of its `BertTokenizer`): [CLS]
# starts and [SEP] ends a sequence.
SPECIAL_TOKENS = {
    "cls_token": CLS_TOKEN,
    "sep_token": SEP_TOKEN,
    "pad_token": PAD_TOKEN,
    "mask_token": MASK_TOKEN,
    "start_token": CLS_TOKEN,
    "end_token": SEP_TOKEN,
}


@keras_attention_export
class BertTokenizer(ReservedTokensSentencePieceTokenizer):
    """Lossless SentencePiece tokenizer with BERT's special tokens.

    A `keras_hub.tokenizers.SentencePieceTokenizer` (Kudo & Richardson
    2018) learned with byte fallback and without normalization, so
    `detokenize(tokenize(text)) == text` in any language and `[UNK]` never
    appears. Its ids start `[PAD]` 0, `[UNK]` 1, `[CLS]` 2, `[SEP]` 3, then
    `"\\n"` and `[MASK]`, a piece that is never split: `"[MASK]"` written
    in a text is that one token. It has keras-hub's `BertTokenizer`
    special-token attributes (`cls_token_id`, `sep_token_id`,
    `pad_token_id`, `mask_token_id`, `start_token_id`, `end_token_id`).
    Learn a model from texts with `BertTokenizer.from_texts()`.

    BERT (Devlin et al. 2019) used a lowercased WordPiece vocabulary;
    this one keeps case and any script, as the other applications' new
    presets.

    Arguments, call and outputs: see `ReservedTokensSentencePieceTokenizer`.

    Example:
    >>> tokenizer = BertTokenizer.from_texts(
    ...     ["the cat sat on the mat", "the dog sat on the log"],
    ...     vocabulary_size=300)
    >>> tokenizer.id_to_token(tokenizer.mask_token_id)
    '[MASK]'
    >>> tokenizer.detokenize(tokenizer("the cat sat"))
    'the cat sat'
    """

    backbone_cls = BertBackbone
    reserved_tokens = RESERVED_TOKENS
    special_tokens = SPECIAL_TOKENS
    extra_symbols = (MASK_TOKEN,)

"""WordPiece tokenizer of the translator, with a vocabulary learned from data."""

import re

from applications.common.wordpiece import UNK_TOKEN, ReservedTokensWordPieceTokenizer
from applications.translator.backbone import TranslatorBackbone
from keras_attention.api_export import keras_attention_export

PAD_TOKEN = "[PAD]"
START_TOKEN = "[START]"
END_TOKEN = "[END]"
# The same ids in every translator vocabulary: [PAD] 0, [UNK] 1, [START] 2,
# [END] 3, so source and target tokenizers agree on the special ids.
RESERVED_TOKENS = [PAD_TOKEN, UNK_TOKEN, START_TOKEN, END_TOKEN]
# keras-hub's special-token attributes: [START] opens and [END] closes a target.
SPECIAL_TOKENS = dict(pad_token=PAD_TOKEN, start_token=START_TOKEN, end_token=END_TOKEN)

# CJK radicals to unified ideographs, compatibility ideographs, CJK symbols and
# punctuation, and full-width forms: written without spaces around them.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACES_AFTER_CJK = re.compile(f"([{_CJK}]) +")
_SPACES_BEFORE_CJK = re.compile(f" +([{_CJK}])")
_SPACES_BEFORE_PUNCTUATION = re.compile(r" +([.,!?;:%)\]'])")
_SPACES_AFTER_OPENING = re.compile(r"([(\[]) +")
_TF_CJK = "\\x{2e80}-\\x{9fff}\\x{f900}-\\x{faff}\\x{3000}-\\x{303f}\\x{ff00}-\\x{ffef}"
_TF_RULES = [
    (f"([{_TF_CJK}]) +", r"\1"),
    (f" +([{_TF_CJK}])", r"\1"),
    (r" +([.,!?;:%)\]'])", r"\1"),
    (r"([(\[]) +", r"\1"),
]


def join_words(text):
    """Removes the spaces WordPiece detokenization puts where none belong.

    `WordPieceTokenizer.detokenize` joins every token with a space, which
    suits English words but not Chinese or Japanese characters nor
    punctuation: `"我 喜 欢 茶 。"` becomes `"我喜欢茶。"` and `"hi ."`
    becomes `"hi."`; spaces between Latin words stay.

    Args:
        text: a detokenized string.

    Returns:
        str.

    Example:
    >>> join_words("汤 姆 likes tea 。")
    '汤姆likes tea。'
    """
    text = _SPACES_AFTER_CJK.sub(r"\1", text)
    text = _SPACES_BEFORE_CJK.sub(r"\1", text)
    text = _SPACES_BEFORE_PUNCTUATION.sub(r"\1", text)
    return _SPACES_AFTER_OPENING.sub(r"\1", text)


@keras_attention_export
class TranslatorTokenizer(ReservedTokensWordPieceTokenizer):
    """WordPiece tokenizer with `[PAD]`, `[UNK]`, `[START]` and `[END]` tokens.

    A `keras_hub.tokenizers.WordPieceTokenizer`, whose pre-tokenizer splits
    CJK characters into single tokens, so Chinese and Japanese need no word
    segmentation. The vocabulary starts with the reserved tokens (`[PAD]` is
    id 0). `detokenize()` removes the spaces WordPiece puts between CJK
    characters and before punctuation (see `join_words`).

    A translator has a source (encoder) and a target (decoder) tokenizer,
    or one shared tokenizer. The target tokenizer of a preset is saved as
    `target_tokenizer.json`: pass `config_file="target_tokenizer.json"`.
    Learn a vocabulary from training text with `TranslatorTokenizer.from_texts()`.

    Arguments, call and outputs: see `ReservedTokensWordPieceTokenizer`.

    Example:
    >>> tokenizer = TranslatorTokenizer.from_texts(
    ...     ["我喜欢茶。", "我喜欢你。"], vocabulary_size=50, lowercase=False)
    >>> tokenizer.detokenize(tokenizer("我喜欢茶。"))
    '我喜欢茶。'
    """

    backbone_cls = TranslatorBackbone
    reserved_tokens = RESERVED_TOKENS
    special_tokens = SPECIAL_TOKENS

    def detokenize(self, inputs):
        """Token ids to strings, without spaces around CJK or before punctuation."""
        outputs = super().detokenize(inputs)
        if isinstance(outputs, str):
            return join_words(outputs)
        if isinstance(outputs, list):
            return [join_words(text) for text in outputs]
        import tensorflow as tf

        for pattern, rewrite in _TF_RULES:
            outputs = tf.strings.regex_replace(outputs, pattern, rewrite)
        return outputs

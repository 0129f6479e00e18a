"""Preprocessor of the masked language model: strings -> packed token ids
with BERT's dynamic masking, the masked positions and their labels.

Shape legend: B batch, T `sequence_length`, P `mask_selection_length`.
"""

import keras_hub

from applications.bert.backbone import BertBackbone
from applications.bert.tokenizer import BertTokenizer
from applications.bert.whole_word_masking import (
    WholeWordMaskGenerator,
    word_boundaries,
)
from applications.common.checks import check_number
from applications.common.presets import PresetMixin
from applications.common.texts import check_texts, is_python_text
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class BertMaskedLMPreprocessor(PresetMixin, keras_hub.models.MaskedLMPreprocessor):
    """Packs texts as `[CLS] tokens [SEP] [PAD]...` and masks them as BERT.

    A `keras_hub.models.MaskedLMPreprocessor`: runs inside `tf.data` during
    `fit()` and eagerly on Python strings.
    The masking is BERT's (Devlin et al. 2019, section 3.1), by keras-hub's
    `MaskedLMMaskGenerator`: each token but `[CLS]`, `[SEP]`, `[PAD]` and
    `[MASK]` is chosen with probability `mask_selection_rate` (15%), at
    most `mask_selection_length` per sequence; a chosen token becomes
    `[MASK]` with probability `mask_token_rate` (80%), a random token with
    probability `random_token_rate` (10%), and stays itself otherwise
    (10%). The draw is new at every call, so every batch of every epoch is
    masked anew (dynamic masking, as RoBERTa's, Liu et al. 2019), not once
    before training.

    With `whole_word_masking=True`, whole words are chosen instead of
    single tokens (`WholeWordMaskGenerator`): a word's pieces are masked
    all or none, at the same ~15% of tokens, and each chosen piece gets
    its own 80/10/10 draw, as in BERT's whole-word masking. A word starts
    at a piece beginning with SentencePiece's space `"\u2581"`, at
    punctuation, at each CJK character, and after a special token.

    Args:
        tokenizer: a `BertTokenizer`.
        sequence_length: T, the packed length; longer texts are truncated.
        truncate: keras-hub's `MultiSegmentPacker` truncation,
            `"round_robin"` or `"waterfall"`.
        mask_selection_rate: the share of tokens chosen, in (0, 1].
        mask_selection_length: P, the most tokens chosen per sequence (the
            width of `mask_positions`), a positive integer.
        mask_token_rate: the share of chosen tokens made `[MASK]`, in [0, 1].
        random_token_rate: the share made a random token, in [0, 1];
            `mask_token_rate + random_token_rate` at most 1.
        whole_word_masking: whether to choose whole words (all their
            pieces) rather than single tokens.
        **kwargs: forwarded to `keras_hub.models.MaskedLMPreprocessor`.

    Call arguments:
        x: a string or a batch of strings.
        y, sample_weight: ignored (the labels are the masked tokens).

    Returns:
        `(x, y, sample_weight)`: `x` a dict of `"token_ids"` (B, T) with the
        masking applied, `"segment_ids"` (B, T), `"padding_mask"` (B, T) and
        `"mask_positions"` (B, P); `y` (B, P) the original tokens at those
        positions; `sample_weight` (B, P), 1 where a position was chosen and
        0 where `mask_positions` is padding.

    Raises:
        ValueError: for a `sequence_length` below 3, rates outside their
            intervals or summing above 1, a `mask_selection_length` below 1,
            or an empty text.
        TypeError: for a text that is not a string, or a size that is not
            an integer.

    Example:
    >>> tokenizer = BertTokenizer.from_texts(["the cat sat on the mat"], 300)
    >>> preprocessor = BertMaskedLMPreprocessor(tokenizer, sequence_length=10)
    >>> x, y, sample_weight = preprocessor(["the cat sat on the mat"])
    >>> x["token_ids"].shape, x["mask_positions"].shape
    ((1, 10), (1, 96))
    """

    backbone_cls = BertBackbone
    tokenizer_cls = BertTokenizer

    def __init__(
        self,
        tokenizer,
        sequence_length=512,
        truncate="round_robin",
        mask_selection_rate=0.15,
        mask_selection_length=96,
        mask_token_rate=0.8,
        random_token_rate=0.1,
        whole_word_masking=False,
        **kwargs,
    ):
        if not isinstance(whole_word_masking, bool):
            raise TypeError(
                "`whole_word_masking` must be True or False. Received: "
                f"whole_word_masking={whole_word_masking!r}"
            )
        check_number(sequence_length, "sequence_length", "[3, inf)", integer=True)
        check_number(mask_selection_rate, "mask_selection_rate", "(0, 1]")
        check_number(
            mask_selection_length, "mask_selection_length", "[1, inf)", integer=True
        )
        check_number(mask_token_rate, "mask_token_rate", "[0, 1]")
        check_number(random_token_rate, "random_token_rate", "[0, 1]")
        if mask_token_rate + random_token_rate > 1:
            raise ValueError(
                "`mask_token_rate + random_token_rate` must be at most 1 (the "
                "rest of the chosen tokens stay unchanged). Received: "
                f"mask_token_rate={mask_token_rate}, "
                f"random_token_rate={random_token_rate}"
            )
        super().__init__(
            tokenizer=tokenizer,
            sequence_length=sequence_length,
            truncate=truncate,
            mask_selection_rate=mask_selection_rate,
            mask_selection_length=mask_selection_length,
            mask_token_rate=mask_token_rate,
            random_token_rate=random_token_rate,
            **kwargs,
        )
        self.whole_word_masking = whole_word_masking

    def build(self, input_shape):
        super().build(input_shape)
        if self.whole_word_masking:
            begins, ends = word_boundaries(self.tokenizer.get_vocabulary())
            self.masker = WholeWordMaskGenerator(
                begins,
                ends,
                **{
                    key: getattr(self.masker, key)
                    for key in (
                        "mask_selection_rate",
                        "mask_selection_length",
                        "mask_token_rate",
                        "random_token_rate",
                        "vocabulary_size",
                        "mask_token_id",
                        "unselectable_token_ids",
                    )
                },
            )

    def get_config(self):
        return {**super().get_config(), "whole_word_masking": self.whole_word_masking}

    def call(self, x, y=None, sample_weight=None):
        for segment in x if isinstance(x, tuple) else (x,):
            if is_python_text(segment):
                check_texts(segment)
        return super().call(x)

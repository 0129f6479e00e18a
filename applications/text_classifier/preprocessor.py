"""Preprocessor of the text classifier: strings -> padded token ids + mask.

Shape legend: B batch, T `sequence_length`.
"""

import keras
import keras_hub

from applications.bert.backbone import BertBackbone
from applications.bert.tokenizer import BertTokenizer
from applications.common.presets import PresetMixin
from applications.common.texts import check_lengths, check_texts, is_python_text
from applications.text_classifier.backbone import TextClassifierBackbone
from applications.text_classifier.tokenizer import TextClassifierTokenizer
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class TextClassifierPreprocessor(
    PresetMixin, keras_hub.models.TextClassifierPreprocessor
):
    """Tokenizes strings and packs them as `[CLS] tokens [SEP] [PAD]...`.

    A `keras_hub.models.TextClassifierPreprocessor`: runs inside `tf.data`
    during `fit()` / `predict()` and eagerly on Python strings. Sentence
    pairs may be passed as a tuple of two batches. Labels and sample weights
    pass through unchanged.

    Args:
        tokenizer: a `TextClassifierTokenizer`.
        sequence_length: T, the padded length; longer texts are truncated.
        truncate: how to truncate multiple segments, `"round_robin"` or
            `"waterfall"`.
        **kwargs: forwarded to `keras_hub.models.TextClassifierPreprocessor`.

    Call arguments:
        x: a string, a batch of strings, or a tuple of batches of strings.
        y: optional labels, passed through.
        sample_weight: optional sample weights, passed through.

    Returns:
        `x` as a dict with `"token_ids"` (B, T) and `"padding_mask"` (B, T),
        packed with `y` and `sample_weight` when given.

    Example:
    >>> tokenizer = TextClassifierTokenizer.from_texts(
    ...     ["a witty film", "a dull film"], vocabulary_size=50)
    >>> preprocessor = TextClassifierPreprocessor(tokenizer, sequence_length=6)
    >>> preprocessor(["a witty film"])["token_ids"]
    [[2, ..., 3, 0]]
    """

    backbone_cls = TextClassifierBackbone
    tokenizer_cls = TextClassifierTokenizer
    # The backbone's inputs (its `TextClassifierBackbone` has no segment
    # embedding: keras-hub's `"segment_ids"` are dropped).
    output_keys = ("token_ids", "padding_mask")

    def __init__(
        self, tokenizer, sequence_length=128, truncate="round_robin", **kwargs
    ):
        if not isinstance(sequence_length, int) or sequence_length < 3:
            raise ValueError(
                "`sequence_length` must be an integer >= 3 (room for [CLS], a "
                f"token and [SEP]). Received: sequence_length={sequence_length!r}"
            )
        super().__init__(
            tokenizer=tokenizer,
            sequence_length=sequence_length,
            truncate=truncate,
            **kwargs,
        )

    def call(self, x, y=None, sample_weight=None):
        segments = x if isinstance(x, tuple) else (x,)
        for segment in segments:
            if is_python_text(segment):
                check_texts(segment)
        outputs = super().call(x, y=y, sample_weight=sample_weight)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(outputs)
        x = {key: x[key] for key in self.output_keys}
        return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)

    def check_lengths(self, texts, on_overflow="warn", name="texts"):
        """Applies `on_overflow` to texts longer than `sequence_length` tokens
        (`[CLS]` and `[SEP]` included); see
        `applications.common.texts.check_lengths`.

        Returns:
            list of int: each text's length in tokens (None with
            `"truncate"`: nothing is tokenized).
        """
        return check_lengths(
            self.tokenizer, texts, self.sequence_length, 2, on_overflow, name
        )


@keras_attention_export
class BertTextClassifierPreprocessor(TextClassifierPreprocessor):
    """Packs texts as `[CLS] tokens [SEP] [PAD]...` for a `BertTextClassifier`.

    The preprocessor of a classifier fine-tuned from a BERT masked-LM preset
    (as keras-hub's `BertTextClassifierPreprocessor`): the pretrained
    `BertTokenizer`, and BERT's inputs, `"segment_ids"` included (0 for the
    first text, 1 for the second of a pair).

    Args:
        tokenizer: a `BertTokenizer`.
        sequence_length, truncate, **kwargs: see `TextClassifierPreprocessor`.

    Returns:
        `x` as a dict with `"token_ids"`, `"segment_ids"` and
        `"padding_mask"` (B, T) each, packed with `y` and `sample_weight`
        when given.
    """

    backbone_cls = BertBackbone
    tokenizer_cls = BertTokenizer
    output_keys = ("token_ids", "segment_ids", "padding_mask")

"""The text classifier task: backbone + pooling + softmax head.

Shape legend: B batch, T sequence length, E `hidden_dim`, C classes.
"""

import keras_hub

from applications.common.classification import ClassificationTaskMixin
from applications.common.presets import PresetMixin
from applications.common.texts import check_texts, is_python_text
from applications.text_classifier.backbone import TextClassifierBackbone
from applications.text_classifier.preprocessor import TextClassifierPreprocessor
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class TextClassifier(
    ClassificationTaskMixin, PresetMixin, keras_hub.models.TextClassifier
):
    """Classifies text with a Transformer encoder trained from scratch.

    Pools the backbone's token vectors (masked mean over real tokens, or the
    `[CLS]` token's vector), applies dropout and a dense softmax layer over
    `num_classes` classes. The class names are kept in the config, hence in
    the preset.

    Two ways to predict:
    - `predict(texts)` keeps the Keras / keras-hub contract and returns a
      (B, C) array of class probabilities (logits if `activation=None`), so
      `evaluate()`, metrics and callbacks work unchanged;
    - `classify(texts)` returns the label names and the probabilities.

    Args:
        backbone: a `TextClassifierBackbone`.
        preprocessor: a `TextClassifierPreprocessor`, or None to feed token
            ids directly.
        pooling: `"mean"` (the default: masked mean over the real tokens) or
            `"token"` (the first token, `[CLS]`; `"cls"` is read as
            `"token"`).
        dropout: dropout rate before the output layer (default 0.1).
        num_classes, label_names, activation, **kwargs: see
            `applications.common.classification.ClassificationTaskMixin`.

    Call arguments:
        inputs: dict of `"token_ids"` and `"padding_mask"`, (B, T) each (the
            preprocessor's output).

    Returns:
        (B, C) class probabilities.

    Example:
    >>> texts = ["a gorgeous, witty film", "a dull, lifeless film"]
    >>> tokenizer = TextClassifierTokenizer.from_texts(texts, vocabulary_size=50)
    >>> backbone = TextClassifierBackbone(
    ...     vocabulary_size=tokenizer.vocabulary_size(), num_layers=1,
    ...     num_heads=2, hidden_dim=16, intermediate_dim=32,
    ...     max_sequence_length=16)
    >>> classifier = TextClassifier(
    ...     backbone, label_names=["negative", "positive"],
    ...     preprocessor=TextClassifierPreprocessor(tokenizer, 16))
    >>> classifier.fit(texts, [1, 0], epochs=1)
    >>> labels, probabilities = classifier.classify(texts)
    """

    backbone_cls = TextClassifierBackbone
    preprocessor_cls = TextClassifierPreprocessor
    head_defaults = {"pooling": "mean", "dropout": 0.1}

    def _check_preprocessor(self, backbone, preprocessor):
        if preprocessor.sequence_length > backbone.max_sequence_length:
            raise ValueError(
                "The preprocessor's `sequence_length` must not exceed the "
                "backbone's `max_sequence_length`. Received: sequence_length="
                f"{preprocessor.sequence_length}, max_sequence_length="
                f"{backbone.max_sequence_length}"
            )

    def _padding_mask(self, inputs):
        return inputs["padding_mask"]  # the mean is over the real tokens

    def _check_inputs(self, x):
        """Rejects empty Python strings before keras-hub's `tf.data` pipeline
        tokenizes them (inside the pipeline they cannot be reported)."""
        for segment in x if isinstance(x, tuple) else (x,):
            if is_python_text(segment):
                check_texts(segment)

    def classify(self, texts, batch_size=32, on_overflow="warn"):
        """Classifies texts and returns label names with probabilities.

        A text longer than the preprocessor's `sequence_length` (in tokens,
        `[CLS]` and `[SEP]` included) is read up to that length only; what
        is done about it is `on_overflow`'s choice.

        Args:
            texts: a string or a list of strings (none empty).
            batch_size: batch size of the forward passes (a positive integer).
            on_overflow: for texts longer than the model takes: `"warn"`
                (cut them, with one `UserWarning` naming the longest one's
                length and the limit), `"truncate"` (cut them silently) or
                `"error"` (raise a `ValueError`); see
                `applications.common.texts`.

        Returns:
            `(labels, probabilities)`: for a list, a list of B label names and
            a (B, C) array whose columns follow `label_names`; for a single
            string, one label name and a (C,) array.

        Raises:
            ValueError: if there is no preprocessor, a text is empty, for a
                `batch_size` below 1, another `on_overflow`, or with
                `on_overflow="error"` a text that is too long.
            TypeError: if a text is not a string, or `batch_size` no integer.
        """
        if self.preprocessor is None:
            raise ValueError(
                "`classify()` needs a preprocessor to tokenize strings. "
                "Received a TextClassifier with preprocessor=None."
            )
        single = isinstance(texts, str)
        texts = check_texts(texts)
        self.preprocessor.check_lengths(texts, on_overflow)
        return self._labels_and_probabilities(texts, batch_size, single)

"""The text classifier task: backbone + pooling + softmax head.

Shape legend: B batch, T sequence length, E `hidden_dim`, C classes.
"""

from pathlib import Path

import keras
import keras_hub

from applications.bert.backbone import BertBackbone
from applications.common.checks import (
    check_tokenizer_fits_backbone,
    require_preprocessor,
)
from applications.common.classification import ClassificationTaskMixin
from applications.common.presets import (
    CONFIG_FILE,
    PREPROCESSOR_CONFIG_FILE,
    TASK_CONFIG_FILE,
    PresetMixin,
    builtin_presets,
    classproperty,
    preset_config,
    resolve_preset,
)
from applications.common.texts import check_texts, is_python_text
from applications.text_classifier.backbone import TextClassifierBackbone
from applications.text_classifier.preprocessor import (
    BertTextClassifierPreprocessor,
    TextClassifierPreprocessor,
)
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class TextClassifier(
    ClassificationTaskMixin, PresetMixin, keras_hub.models.TextClassifier
):
    """Classifies text with a Transformer encoder trained from scratch.

    `TextClassifier.from_preset()` also fine-tunes a pretrained encoder:
    given a BERT masked-LM preset and `num_classes` (or `label_names`), it
    returns a `BertTextClassifier`, the pretrained `BertBackbone` and
    `BertTokenizer` with a new head.

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

    @classproperty
    def presets(cls):
        """Built-in presets this class loads, as keras-hub's `Task.presets`:
        its own and its subclasses' (e.g. `classifier_bert_tiny_mr` and the
        masked-LM presets a `BertTextClassifier` fine-tunes)."""
        presets = {}
        for task_cls in _task_classes(cls).values():
            presets.update(builtin_presets(task_cls))
        return dict(sorted(presets.items()))

    @classmethod
    def from_preset(cls, preset, load_weights=None, **kwargs):
        """Instantiates a text classifier from a preset.

        A text classifier preset loads as it was saved (with
        `num_classes` or `label_names`: a new head for those classes). A
        preset of a pretrained encoder that a subclass fine-tunes (a
        `BertMaskedLM` preset: `BertTextClassifier`) gives that subclass:
        the pretrained backbone and tokenizer, and a new, randomly
        initialized head for `num_classes` classes.

        Args:
            preset: a built-in preset name, a local preset directory or a
                remote handle.
            load_weights: see `ClassificationTaskMixin.from_preset`.
            **kwargs: override config entries (`num_classes`,
                `label_names`, `pooling`, `dropout`, ...), and
                `sequence_length`, the preprocessor's (default: the
                preset's; for a pretrained encoder, its preprocessor's, else
                the backbone's `max_sequence_length`). For a pretrained
                encoder's preset, `num_classes` or `label_names` is
                required.

        Returns:
            A `TextClassifier` (or the subclass for the preset's backbone).

        Raises:
            ValueError: for a preset whose backbone no text classifier
                takes (naming it and the backbones expected), or a
                pretrained encoder's preset without `num_classes` /
                `label_names`; see also `PresetMixin.from_preset`.
        """
        preset = resolve_classifier_preset(preset, cls)  # an unknown name fails here
        # Looking the classes up imports (registers) those of the
        # application that saved the preset, which keras-hub then reads.
        saved_cls, _ = preset_config(preset, TASK_CONFIG_FILE)
        preset_config(preset, PREPROCESSOR_CONFIG_FILE)
        backbone_cls, _ = preset_config(preset, CONFIG_FILE)
        damaged = saved_cls is None and (Path(preset) / TASK_CONFIG_FILE).exists()
        if backbone_cls is None or damaged:  # remote, or damaged: reported there
            return super().from_preset(preset, load_weights=load_weights, **kwargs)
        task_classes = _task_classes(cls)
        task_cls = task_classes.get(backbone_cls)
        kind = (saved_cls or backbone_cls).__name__
        if task_cls is None:
            expected = ", ".join(
                f"{backbone.__name__} ({task.__name__})"
                for backbone, task in task_classes.items()
            )
            raise ValueError(
                f"Preset {str(preset)!r} is a {kind} preset (backbone "
                f"{backbone_cls.__name__}), which {cls.__name__} cannot use. "
                f"Expected a preset whose backbone is one of: {expected}, i.e. "
                "a text classifier preset or a BERT masked-LM preset (with "
                "`num_classes` for a new head)."
            )
        pretrained = saved_cls is None or not issubclass(saved_cls, TextClassifier)
        if pretrained and all(
            kwargs.get(key) is None for key in ("num_classes", "label_names")
        ):
            raise ValueError(
                f"Preset {str(preset)!r} is a {kind} preset, not a text "
                f"classifier: {task_cls.__name__} puts a new classification "
                f"head on its pretrained {backbone_cls.__name__} and needs "
                "`num_classes` (or `label_names`). Received neither."
            )
        sequence_length = kwargs.pop("sequence_length", None)
        if "preprocessor" not in kwargs and (pretrained or sequence_length):
            kwargs["preprocessor"] = _preset_preprocessor(
                task_cls, preset, sequence_length
            )
        return super().from_preset(preset, load_weights=load_weights, **kwargs)

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
        require_preprocessor(self, "classify")
        single = isinstance(texts, str)
        texts = check_texts(texts)
        self.preprocessor.check_lengths(texts, on_overflow)
        return self._labels_and_probabilities(texts, batch_size, single)


@keras_attention_export
class BertTextClassifier(TextClassifier):
    """Classifies text by fine-tuning a pretrained BERT encoder.

    BERT's fine-tuning head (Devlin et al. 2019, section 4.1, as keras-hub's
    `BertTextClassifier`): the `[CLS]` vector through the backbone's pooler
    (dense + tanh) when it has one, else the `[CLS]` hidden state
    (`pooling="token"`, the default; `"mean"` pools the token vectors),
    dropout, and a dense softmax layer over `num_classes` classes. The
    texts are packed `[CLS] text [SEP]` (pairs `[CLS] a [SEP] b [SEP]`) by a
    `BertTextClassifierPreprocessor` over the pretrained `BertTokenizer`.

    Made from a masked-LM preset by `TextClassifier.from_preset(preset,
    num_classes=...)` (or `BertTextClassifier.from_preset`); saved and
    loaded as every classifier preset.

    Reference: Devlin et al., "BERT: Pre-training of Deep Bidirectional
    Transformers for Language Understanding", NAACL 2019.

    Args:
        backbone: a `BertBackbone`.
        preprocessor: a `BertTextClassifierPreprocessor` over a tokenizer of
            the backbone's vocabulary, or None.
        pooling, dropout, num_classes, label_names, activation, **kwargs:
            see `TextClassifier` (defaults: `"token"` pooling, dropout 0.1).

    Call arguments:
        inputs: dict of `"token_ids"`, `"segment_ids"` (for a backbone with
            segment embeddings) and `"padding_mask"`, (B, T) each.

    Returns:
        (B, C) class probabilities.

    Raises:
        ValueError: as `TextClassifier`, and for a tokenizer whose
            vocabulary size is not the backbone's.

    Example:
    >>> classifier = TextClassifier.from_preset("my_bert", num_classes=2)
    >>> type(classifier).__name__
    'BertTextClassifier'
    >>> classifier.fit(texts, labels, epochs=3)
    """

    backbone_cls = BertBackbone
    preprocessor_cls = BertTextClassifierPreprocessor
    head_defaults = {"pooling": "token", "dropout": 0.1}

    def _check_preprocessor(self, backbone, preprocessor):
        super()._check_preprocessor(backbone, preprocessor)
        check_tokenizer_fits_backbone(preprocessor.tokenizer, backbone)

    def _backbone_features(self, outputs):
        return outputs["sequence_output"], outputs.get("pooled_output")

    def preprocess_samples(self, x, y=None, sample_weight=None):
        """Texts go through the preprocessor, without `"segment_ids"` for a
        backbone that has no segment embedding."""
        outputs = super().preprocess_samples(x, y, sample_weight)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(outputs)
        if isinstance(x, dict) and "segment_ids" not in self.backbone.input:
            x = {key: value for key, value in x.items() if key != "segment_ids"}
        return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)


def resolve_classifier_preset(preset, cls=None):
    """`resolve_preset` for `cls` (default `TextClassifier`) or a subclass:
    a built-in name registered for the backbone of a subclass (e.g.
    `bert_tiny_en`, a `BertBackbone` preset that `BertTextClassifier`
    fine-tunes) resolves too; other names fail as `resolve_preset` says."""
    cls = cls or TextClassifier
    if isinstance(preset, str):
        for task_cls in _task_classes(cls).values():
            if preset in builtin_presets(task_cls):
                return resolve_preset(preset, task_cls)
    return resolve_preset(preset, cls)


def _task_classes(cls):
    """`{backbone class: task class}` of `cls` and its subclasses (the
    first registered for a backbone, as keras-hub picks it)."""
    found, pending = {}, [cls]
    while pending:
        task = pending.pop(0)
        found.setdefault(task.backbone_cls, task)
        pending.extend(task.__subclasses__())
    return found


def _preset_preprocessor(task_cls, preset, sequence_length=None):
    """`task_cls`'s preprocessor over the preset's tokenizer, packing
    `sequence_length` tokens (default: the preset preprocessor's, else the
    backbone's `max_sequence_length`)."""
    if sequence_length is None:
        _, pretrained = preset_config(preset, PREPROCESSOR_CONFIG_FILE)
        _, backbone = preset_config(preset, CONFIG_FILE)
        sequence_length = pretrained.get("sequence_length") or backbone.get(
            "max_sequence_length", 128
        )
    return task_cls.preprocessor_cls.from_preset(
        preset, sequence_length=sequence_length
    )

"""What the classification tasks (text classifier, ViT) share: the head.

`ClassificationTaskMixin` goes ahead of `PresetMixin` and the keras-hub task
class. It owns the classification head (pooling, dropout, a dense layer over
the classes), the class names (one rule for text and images: always kept,
in the config and in the preset's metadata), `from_preset()` with a new set
of classes, head-only weight files for presets, and turning the model's
outputs into label names with probabilities for `classify()`.

Shape legend: B batch, T sequence length (tokens, or class token + patches),
E width, C classes.
"""

import keras
import numpy as np

from applications.common.checks import check_number

# "token": the first token's vector ([CLS], or ViT's class token);
# "mean": the mean over the (unmasked) tokens.
POOLINGS = ("token", "mean")
# Earlier names of the same poolings, still read from saved configs.
_POOLING_ALIASES = {"cls": "token"}


def check_classes(num_classes, label_names):
    """Returns `(num_classes, label_names)`, filling the one left out.

    Args:
        num_classes: C, or None to take `len(label_names)`.
        label_names: C distinct strings, or None for `["0", ..., "C-1"]`.

    Raises:
        TypeError: if `label_names` is not a list of strings.
        ValueError: for fewer than 2 classes, repeated names, or a count
            that disagrees with `num_classes`.
    """
    if label_names is not None:
        if isinstance(label_names, str) or not all(
            isinstance(name, str) for name in label_names
        ):
            raise TypeError(
                f"`label_names` must be a list of strings. Received: {label_names!r}"
            )
        label_names = list(label_names)
        if len(set(label_names)) != len(label_names):
            raise ValueError(f"`label_names` must be unique. Received: {label_names!r}")
        if num_classes is None:
            num_classes = len(label_names)
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            "`num_classes` must be an integer >= 2 (or give `label_names`). "
            f"Received: num_classes={num_classes!r}, label_names={label_names!r}"
        )
    if label_names is None:
        label_names = [str(i) for i in range(num_classes)]
    if len(label_names) != num_classes:
        raise ValueError(
            "`label_names` must have `num_classes` entries. Received: "
            f"num_classes={num_classes}, label_names={label_names!r}"
        )
    return num_classes, label_names


def check_pooling(pooling):
    """The pooling's name in `POOLINGS` (`"cls"` is read as `"token"`).

    Raises:
        ValueError: for another name.
    """
    pooling = _POOLING_ALIASES.get(pooling, pooling)
    if pooling not in POOLINGS:
        raise ValueError(
            f"`pooling` must be one of {POOLINGS}. Received: pooling={pooling!r}"
        )
    return pooling


class ClassificationTaskMixin:
    """The classification tasks' constructor, head, config and presets.

    Goes first among a task's bases, e.g. `class VisionTransformer(
    ClassificationTaskMixin, PresetMixin, keras_hub.models.ImageClassifier)`.
    A task sets `head_defaults` (its default `pooling` and `dropout`) and
    may override `_check_preprocessor()`, `_check_inputs()` (the eager check
    of Python or numpy inputs that `fit`, `evaluate` and `predict` run before
    keras-hub's `tf.data` pipeline, where nothing can be reported),
    `_padding_mask()`, `_backbone_features()` (for a backbone whose output
    is not the (B, T, E) token vectors alone) and `default_optimizer()`.

    Args (of every classification task):
        backbone: the task's backbone, whose output is (B, T, E).
        num_classes: C. Defaults to `len(label_names)`.
        label_names: list of C class names; defaults to `["0", ..., "C-1"]`.
        preprocessor: the task's preprocessor, or None to feed the
            backbone's inputs directly.
        pooling: `"token"` (the first token's vector: `[CLS]`, or ViT's
            class token) or `"mean"` (the mean over the unmasked tokens);
            None takes the task's default (`head_defaults`).
        activation: activation of the output layer; `"softmax"` gives
            probabilities, None gives logits.
        dropout: dropout rate before the output layer; None takes the
            task's default (`head_defaults`).
        **kwargs: forwarded to `keras_hub.models.Task` (e.g. `name`,
            `compile`).

    Raises:
        ValueError, TypeError: for bad classes (see `check_classes`), an
            unknown pooling, or a preprocessor that does not fit the
            backbone.
    """

    head_defaults = {"pooling": "token", "dropout": 0.0}

    def __init__(
        self,
        backbone,
        num_classes=None,
        label_names=None,
        preprocessor=None,
        pooling=None,
        activation="softmax",
        dropout=None,
        **kwargs,
    ):
        import keras_hub

        num_classes, label_names = check_classes(num_classes, label_names)
        if pooling is None:
            pooling = self.head_defaults["pooling"]
        pooling = check_pooling(pooling)
        if dropout is None:
            dropout = self.head_defaults["dropout"]
        if preprocessor is not None:
            self._check_preprocessor(backbone, preprocessor)

        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        dtype = backbone.dtype_policy
        self.pooler = None
        if pooling == "mean":
            self.pooler = keras.layers.GlobalAveragePooling1D(
                dtype=dtype, name="mean_pooling"
            )
        self.output_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="output_dropout"
        )
        self.output_dense = keras.layers.Dense(
            num_classes, activation=activation, dtype=dtype, name="classifier_head"
        )

        # === Functional model ===
        inputs = backbone.input
        sequence, pooled = self._backbone_features(backbone(inputs))
        if self.pooler is not None:
            pooled = self.pooler(sequence, mask=self._padding_mask(inputs))
        elif pooled is None:
            pooled = sequence[:, 0, :]  # (B, E): [CLS], or the class token
        outputs = self.output_dense(self.output_dropout(pooled))  # (B, C)
        # keras-hub's `ImageClassifier.__init__` would add a 2-D pooling head
        # for convolutional feature maps; like keras-hub's `ViTImageClassifier`,
        # build the functional task with `Task.__init__`. Compile after
        # `self.activation` is set: the "auto" loss reads it.
        compile_now = kwargs.pop("compile", True)
        keras_hub.models.Task.__init__(
            self, inputs=inputs, outputs=outputs, compile=False, **kwargs
        )

        # === Config ===
        self.num_classes = num_classes
        self.label_names = label_names
        self.pooling = pooling
        self.activation = keras.activations.get(activation)
        self.dropout = dropout
        if compile_now:
            self.compile()

    def _check_preprocessor(self, backbone, preprocessor):
        """Raises `ValueError` if `preprocessor` does not fit `backbone`."""

    def _padding_mask(self, inputs):
        """The (B, T) mask of the tokens the mean pools (None: all)."""
        return None

    def _backbone_features(self, outputs):
        """`(sequence, pooled)` of the backbone's outputs: the (B, T, E)
        token vectors and the (B, E) vector that `"token"` pooling takes,
        or None for the first token's (BERT's backbone has its own pooler)."""
        return outputs, None

    def _check_inputs(self, x):
        """Raises `ValueError` / `TypeError` for inputs the preprocessor
        would misread (called only when the task has a preprocessor)."""

    def fit(self, x=None, y=None, *args, **kwargs):
        """Trains the task; see `keras.Model.fit`.

        `batch_size` and, with a preprocessor, arrays or lists of inputs are
        checked first (texts: non-empty strings; images: the
        preprocessor's rule); a `tf.data.Dataset` is checked in the
        pipeline.

        Raises:
            ValueError: for a `batch_size` below 1, empty texts, an empty
                batch of images, images of the wrong size or channels, or
                values the image rule refuses (NaN, out of range).
            TypeError: for a `batch_size` that is no integer, a text that
                is no string, boolean or non-numeric images.

        Warns:
            UserWarning: once, for integer images whose brightest pixel is
                16 or below (they look like 0-16 gray levels).
        """
        self._check_call(x, args, kwargs)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """Evaluates the task; see `keras.Model.evaluate`. Inputs and
        `batch_size` are checked as by `fit`.

        Raises:
            ValueError, TypeError: as `fit`.
        """
        self._check_call(x, args, kwargs)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x=None, *args, **kwargs):
        """Predicts logits or probabilities (B, C); see `keras.Model.predict`.
        Inputs and `batch_size` are checked as by `fit`.

        Raises:
            ValueError, TypeError: as `fit`.
        """
        self._check_call(x, args, kwargs)
        return super().predict(x, *args, **kwargs)

    def _check_call(self, x, args, kwargs):
        """`batch_size` (the first positional argument after `x` and `y` of
        `fit`/`evaluate`, after `x` of `predict`) and the inputs."""
        batch_size = args[0] if args else kwargs.get("batch_size")
        check_number(batch_size, "batch_size", "[1, inf)", integer=True, optional=True)
        if self.preprocessor is not None:
            self._check_inputs(x)

    def default_optimizer(self):
        """The optimizer `compile()` uses for `"auto"`."""
        return keras.optimizers.Adam(learning_rate=1e-3)

    def compile(self, optimizer="auto", loss="auto", *, metrics="auto", **kwargs):
        """Configures training; see keras-hub's `TextClassifier.compile`.

        The `"auto"` optimizer is the task's `default_optimizer()`, suited
        to training a small model from scratch (keras-hub's default, Adam at
        5e-5, is meant for fine-tuning a pretrained one). The `"auto"` loss
        is sparse categorical cross-entropy (from logits without softmax),
        the `"auto"` metric sparse categorical accuracy.
        """
        if optimizer == "auto":
            optimizer = self.default_optimizer()
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def get_config(self):
        # `keras_hub.models.Task.get_config` serializes the backbone and
        # preprocessor; `ImageClassifier.get_config` would add its own keys.
        import keras_hub

        return {
            **keras_hub.models.Task.get_config(self),
            "num_classes": self.num_classes,
            "label_names": list(self.label_names),
            "pooling": self.pooling,
            "activation": keras.activations.serialize(self.activation),
            "dropout": self.dropout,
        }

    @classmethod
    def from_preset(cls, preset, load_weights=None, **kwargs):
        """Instantiates the task from a preset.

        Args:
            preset: a built-in preset name (see `cls.presets`), a local
                preset directory, or a `kaggle://` / `hf://` handle.
            load_weights: whether to load the saved weights; None loads them
                when the preset has any (an architecture preset such as
                `vit_base_patch16_224` gives random weights).
            **kwargs: override config entries. Passing `label_names` or
                `num_classes` gives a new, randomly initialized head for
                those classes (the backbone keeps its weights).

        Returns:
            An instance of `cls`.
        """
        if kwargs.get("label_names") is not None:
            kwargs.setdefault("num_classes", len(kwargs["label_names"]))
        elif "num_classes" in kwargs:
            kwargs["label_names"] = None
        return super().from_preset(preset, load_weights=load_weights, **kwargs)

    def save_to_preset(self, preset_dir, max_shard_size=10, metadata=None, **kwargs):
        """Saves the task to a preset directory, its class names in the metadata.

        Args:
            preset_dir: the directory to write.
            max_shard_size: see `keras_hub.models.Task.save_to_preset`.
            metadata: optional dict added to `metadata.json` (e.g.
                `description`, training data, accuracy).
            **kwargs: see `PresetMixin.save_to_preset` (e.g. `check`).
        """
        super().save_to_preset(
            preset_dir,
            max_shard_size=max_shard_size,
            metadata={"label_names": list(self.label_names), **(metadata or {})},
            **kwargs,
        )

    def save_task_weights(self, filepath):
        """Saves the head's weights, without the backbone or optimizer state.

        keras-hub's version also writes the optimizer's variables, which a
        preset does not need and a freshly compiled task warns it cannot load.
        """
        keras.saving.save_weights(
            self, filepath, objects_to_skip=self._not_task_objects()
        )

    def load_task_weights(self, filepath):
        """Loads head weights written by `save_task_weights()`."""
        keras.saving.load_weights(
            self, filepath, objects_to_skip=self._not_task_objects()
        )

    def _not_task_objects(self):
        skipped = list(self.backbone._flatten_layers())
        if self.optimizer is not None:
            skipped.append(self.optimizer)
        return skipped

    def _labels_and_probabilities(self, inputs, batch_size, single):
        """Predicts `inputs` and returns label names and (B, C) probabilities.

        Logits (a head without softmax) are turned into probabilities; with
        `single`, returns the first label and its (C,) row.

        Raises:
            TypeError, ValueError: for a `batch_size` that is no positive
                integer.
        """
        check_number(batch_size, "batch_size", "[1, inf)", integer=True)
        outputs = self.predict(inputs, batch_size=batch_size, verbose=0)
        outputs = np.asarray(outputs, dtype="float64")  # (B, C)
        if self.activation is not keras.activations.softmax:
            shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
            outputs = shifted / shifted.sum(axis=-1, keepdims=True)
        labels = [self.label_names[i] for i in outputs.argmax(axis=-1)]
        if single:
            return labels[0], outputs[0]
        return labels, outputs

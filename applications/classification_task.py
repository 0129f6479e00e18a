"""What the classification tasks (text classifier, ViT) share.

`ClassificationTaskMixin` goes ahead of `PresetMixin` and the keras-hub task
class: `from_preset()` with a new set of classes, head-only weight files for
presets, and turning the model's outputs into label names with
probabilities for `classify()`.
"""

import keras
import numpy as np


class ClassificationTaskMixin:
    """New classes from a preset, head weights, `(labels, probabilities)`.

    The task needs `backbone`, `optimizer`, `activation` and `label_names`.
    """

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
        """
        outputs = self.predict(inputs, batch_size=batch_size, verbose=0)
        outputs = np.asarray(outputs, dtype="float64")  # (B, C)
        if self.activation is not keras.activations.softmax:
            shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
            outputs = shifted / shifted.sum(axis=-1, keepdims=True)
        labels = [self.label_names[i] for i in outputs.argmax(axis=-1)]
        if single:
            return labels[0], outputs[0]
        return labels, outputs

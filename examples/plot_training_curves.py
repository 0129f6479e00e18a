"""Plot the training curves that presets record in their metadata.

Every training command of the applications keeps the per-epoch history
(`loss`, `val_loss` and the accuracy it tracked) in the preset's
`metadata.json`. This script draws the loss and the accuracy per epoch of
one or several presets side by side, training dashed and validation solid:

    python examples/plot_training_curves.py translator_tiny_en_zh \
        translator_rnn_tiny_en_zh --output docs/images/translator_tiny_en_zh_curves.png

Presets are built-in names or directories. Raises `ValueError` (naming the
preset) for a preset whose metadata has no history.
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from applications import (  # noqa: E402, F401 (importing the tasks registers their presets)
    GPT,
    BertMaskedLM,
    TextClassifier,
    Translator,
    VisionTransformer,
)
from applications.common.presets import load_preset_metadata  # noqa: E402

# The accuracy each task records (categorical: a classifier trained on
# soft targets, e.g. with a teacher).
ACCURACY_KEYS = (
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "accuracy",
    "masked_accuracy",
)


def history_of(metadata, preset):
    """The recorded history in a preset's `metadata`: per-epoch lists."""
    history = metadata.get("history")
    if not history or "loss" not in history:
        raise ValueError(
            f"Preset {preset!r} records no training history (expected a "
            "'history' with 'loss' in its metadata.json)."
        )
    return history


def plot(presets, output, title=None):
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for color, preset in zip(
        plt.rcParams["axes.prop_cycle"].by_key()["color"], presets
    ):
        metadata = load_preset_metadata(preset)
        history = history_of(metadata, preset)
        label = metadata.get("task", "")
        label = f"{label} ({preset})" if label else str(preset)
        accuracy = next((key for key in ACCURACY_KEYS if key in history), None)
        for axis, key in ((loss_axis, "loss"), (accuracy_axis, accuracy)):
            if key is None:
                continue
            epochs = range(1, len(history[key]) + 1)
            axis.plot(
                epochs, history[key], "--", color=color, label=f"{label}, training"
            )
            if f"val_{key}" in history:
                axis.plot(epochs, history[f"val_{key}"], ".-", color=color,
                          label=f"{label}, validation")  # fmt: skip
    loss_axis.set_title("loss")
    accuracy_axis.set_title("accuracy (training: over the epoch, with any dropout)")
    for axis in (loss_axis, accuracy_axis):
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
    accuracy_axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(output, dpi=100)
    print(f"Wrote {output}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "presets", nargs="+", help="built-in preset names or directories"
    )
    parser.add_argument("--output", required=True, help="image file to write (.png)")
    parser.add_argument("--title", help="the figure's title")
    arguments = parser.parse_args(argv)
    plot(arguments.presets, arguments.output, arguments.title)


if __name__ == "__main__":
    main()

"""The shipped `vit_tiny_digits` preset on its held-out digits split."""

import numpy as np
import pytest

from applications import VisionTransformer
from applications.common.presets import load_preset_metadata
from applications.data.images import load_image_split


def recorded_options(command):
    """`--name value` pairs of a recorded command line."""
    words = command.split()
    return {
        word: value
        for word, value in zip(words, words[1:])
        if word.startswith("--") and not value.startswith("--")
    }


def test_vit_tiny_digits_reaches_98_percent_on_its_held_out_split():
    metadata = load_preset_metadata("vit_tiny_digits")
    options = recorded_options(metadata["training_command"])
    # Recompute the held-out split from the recorded seed and fractions.
    _, _, (images, labels), class_names, _ = load_image_split(
        "digits",
        test_fraction=float(options.get("--test-fraction", 0.2)),
        validation_fraction=float(options.get("--validation-fraction", 0.1)),
        seed=metadata["split_seed"],
    )
    assert len(images) == metadata["split_sizes"]["test"] == 360
    classifier = VisionTransformer.from_preset("vit_tiny_digits")
    predicted, probabilities = classifier.classify(images, batch_size=120)
    accuracy = np.mean(np.array(predicted) == np.array(class_names)[labels])
    assert accuracy >= 0.98
    assert accuracy == pytest.approx(metadata["test_accuracy"], abs=1e-3)
    assert probabilities.shape == (360, 10)


def test_vit_tiny_digits_metadata_records_how_it_was_made():
    metadata = load_preset_metadata("vit_tiny_digits")
    assert metadata["training_command"].startswith(
        "keras-attention train vit --dataset digits"
    )
    assert metadata["training_wall_time_seconds"] > 0
    assert "stratified" in metadata["training_data"]
    assert metadata["split_sizes"] == {"train": 1293, "validation": 144, "test": 360}
    entry = VisionTransformer.presets["vit_tiny_digits"]["metadata"]
    assert entry["params"] == metadata["params"]
    assert f"{metadata['test_accuracy']:.1%}" in entry["result"]

"""Task: fit, predict, classify, head numerics, save / load round trips."""

import keras
import numpy as np
import pytest
from vit_helpers import LABEL_NAMES, build_vit, uint8_images

from applications import VisionTransformer, VisionTransformerBackbone
from applications.vision_transformer.preprocessor import (
    VisionTransformerImageConverter,
    VisionTransformerPreprocessor,
)


def test_fit_one_step_then_predict_uint8_and_float_alike():
    classifier = build_vit(seed=0)
    images, labels = uint8_images(6), np.array([0, 1, 2, 0, 1, 2])
    before = [keras.ops.convert_to_numpy(w) for w in classifier.weights]
    history = classifier.fit(images, labels, batch_size=6, epochs=1, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in classifier.weights]
    assert np.isfinite(history.history["loss"][0])
    assert all(not np.allclose(a, b) for a, b in zip(before, after))

    from_uint8 = classifier.predict(images, verbose=0)
    from_float = classifier.predict(images.astype("float32") / 255.0, verbose=0)
    assert from_uint8.shape == (6, 3)
    np.testing.assert_allclose(from_uint8.sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)


@pytest.mark.parametrize("pooling", ["token", "mean"])
def test_head_is_softmax_of_the_pooled_backbone_output(pooling, tiny_vit):
    classifier = tiny_vit if pooling == "token" else build_vit(pooling="mean")
    images = uint8_images(4, seed=1)
    floats = images.astype("float32") / 255.0
    sequence = keras.ops.convert_to_numpy(classifier.backbone(floats))  # (4, 17, 16)
    pooled = sequence[:, 0] if pooling == "token" else sequence.mean(axis=1)
    head = classifier.output_dense
    logits = pooled @ keras.ops.convert_to_numpy(
        head.kernel
    ) + keras.ops.convert_to_numpy(head.bias)
    expected = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(
        classifier.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-6
    )


def test_classify_returns_label_names_and_probabilities(tiny_vit):
    images = uint8_images(4)
    labels, probabilities = tiny_vit.classify(images)
    assert len(labels) == 4 and set(labels) <= set(LABEL_NAMES)
    assert probabilities.shape == (4, 3)
    assert labels == [LABEL_NAMES[i] for i in probabilities.argmax(axis=-1)]
    label, row = tiny_vit.classify(images[0])
    assert label == labels[0] and row.shape == (3,)
    np.testing.assert_allclose(row, probabilities[0], atol=1e-6)


@pytest.mark.parametrize(
    "images, error, message",
    [
        (np.zeros((2, 28, 28, 1), "uint8"), ValueError,
         r"size \(height, width\)=\(8, 8\).*\(28, 28\)"),
        (np.zeros((2, 8, 8, 3), "uint8"), ValueError,
         "1 channel.*Received: 3 channel"),
        (np.full((2, 8, 8, 1), 255.0, "float32"), ValueError,
         r"Float images must be in \[0, 1\].*from 255 to 255"),
        (np.array([[["a"] * 1] * 8] * 8), TypeError, "numeric images"),
    ],
)  # fmt: skip
def test_classify_rejects_bad_images(tiny_vit, images, error, message):
    with pytest.raises(error, match=message):
        tiny_vit.classify(images)


def test_wrong_image_size_in_predict_is_a_value_error(tiny_vit):
    with pytest.raises(ValueError, match=r"Received: images of size \(7, 8\)"):
        tiny_vit.predict(np.zeros((2, 7, 8, 1), "uint8"), verbose=0)


def test_preset_parts_load_alone_and_new_classes_keep_the_backbone(tmp_path, tiny_vit):
    preset = tmp_path / "preset"
    tiny_vit.save_to_preset(preset)
    files = {path.name for path in preset.iterdir()}
    assert {"preprocessor.json", "image_converter.json"} <= files
    preprocessor = VisionTransformerPreprocessor.from_preset(preset)
    assert preprocessor.image_converter.image_size == (8, 8)
    assert preprocessor.num_channels == 1
    converter = VisionTransformerImageConverter.from_preset("vit_base_patch16_224")
    assert converter.image_size == (224, 224) and converter.num_channels == 3

    # New classes: same backbone weights, a new head.
    retargeted = VisionTransformer.from_preset(preset, label_names=["a", "b"])
    assert retargeted.num_classes == 2 and retargeted.label_names == ["a", "b"]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(retargeted.backbone.weights[0]),
        keras.ops.convert_to_numpy(tiny_vit.backbone.weights[0]),
    )


@pytest.mark.slow
def test_preset_loads_on_another_backend(
    tmp_path, run_on_backend, other_backend, tiny_vit
):
    preset = tmp_path / "preset"
    tiny_vit.save_to_preset(preset)
    images = uint8_images(3)
    np.save(tmp_path / "images.npy", images)
    expected = tiny_vit.predict(images, verbose=0)
    result = run_on_backend(
        other_backend,
        f"""
        import json
        import os
        # Tiny model: skip XLA's optimization passes if the backend is jax.
        os.environ.setdefault("JAX_DISABLE_MOST_OPTIMIZATIONS", "1")
        import numpy as np
        from applications import VisionTransformer, VisionTransformerBackbone
        classifier = VisionTransformer.from_preset({str(preset)!r})
        images = np.load({str(tmp_path / "images.npy")!r})
        probabilities = classifier.predict(images, verbose=0)
        print(json.dumps({{"probabilities": probabilities.tolist()}}))
        """,
    )
    np.testing.assert_allclose(np.array(result["probabilities"]), expected, atol=1e-4)


def test_unknown_preset_and_mismatched_parts_are_rejected(tiny_vit):
    with pytest.raises(ValueError, match="Unknown preset.*vit_base_patch16_224"):
        VisionTransformer.from_preset("vit_huge_patch14_224")
    other = build_vit(image_size=(4, 4))
    with pytest.raises(ValueError, match=r"image size and channels must match"):
        VisionTransformer(
            other.backbone, num_classes=3, preprocessor=tiny_vit.preprocessor
        )
    with pytest.raises(ValueError, match="pooling"):
        VisionTransformer(tiny_vit.backbone, num_classes=3, pooling="max")
    with pytest.raises(ValueError, match="num_classes"):
        VisionTransformer(tiny_vit.backbone, num_classes=1)


def test_a_trained_preset_without_its_weights_file_is_an_error(tmp_path, tiny_vit):
    """Only an architecture preset (metadata `"weights": "none ..."`) may lack
    weights; any other is damaged, and the error names the missing file."""
    preset = tmp_path / "preset"
    tiny_vit.save_to_preset(preset)
    (preset / "model.weights.h5").unlink()
    with pytest.raises(ValueError, match="model.weights.h5"):
        VisionTransformer.from_preset(preset)
    with pytest.raises(ValueError, match="model.weights.h5"):
        VisionTransformerBackbone.from_preset(preset)

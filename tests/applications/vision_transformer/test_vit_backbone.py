"""Backbone: shapes, parameter counts, embeddings against numpy, bad configs."""

import json

import keras
import numpy as np
import pytest
from vit_helpers import TINY, vit_parameters

from applications.common.presets import PRESETS_DIR
from applications.vision_transformer.backbone import VisionTransformerBackbone
from applications.vision_transformer.class_token import ClassToken
from applications.vision_transformer.patch_embedding import PatchEmbedding


def numpy_patches(images, patch_size):
    """(B, H, W, C) -> (B, N, Ph * Pw * C), patches in row-major grid order."""
    b, h, w, c = images.shape
    ph, pw = patch_size
    x = images.reshape(b, h // ph, ph, w // pw, pw, c)
    x = x.transpose(0, 1, 3, 2, 4, 5)  # (B, H / Ph, W / Pw, Ph, Pw, C)
    return x.reshape(b, (h // ph) * (w // pw), ph * pw * c)


def test_shapes_and_parameter_count_match_the_paper_formula():
    config = {**TINY, "image_size": (8, 12), "patch_size": (2, 4), "num_layers": 2}
    backbone = VisionTransformerBackbone(**config)
    assert backbone.num_patches == 4 * 3
    assert tuple(backbone.output.shape) == (None, 1 + 12, 16)
    assert backbone.count_params() == vit_parameters(**config)
    restored = VisionTransformerBackbone.from_config(backbone.get_config())
    assert restored.get_config() == backbone.get_config()


def test_patch_embedding_is_a_matmul_of_flattened_patches():
    layer = PatchEmbedding(patch_size=(2, 4), hidden_dim=5)
    images = np.random.default_rng(0).normal(size=(2, 4, 8, 3)).astype("float32")
    outputs = keras.ops.convert_to_numpy(layer(images))  # (2, 4, 5)
    kernel = keras.ops.convert_to_numpy(layer.projection.kernel)  # (2, 4, 3, 5)
    bias = keras.ops.convert_to_numpy(layer.projection.bias)
    expected = numpy_patches(images, (2, 4)) @ kernel.reshape(-1, 5) + bias
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)


def test_embeddings_are_class_token_then_patches_plus_positions():
    backbone = VisionTransformerBackbone(**TINY)
    keras.utils.set_random_seed(1)
    # Non-zero class token, so the check tells it apart from a patch.
    backbone.class_token.token.assign(np.arange(16, dtype="float32") / 10)
    embeddings = keras.Model(
        backbone.input, backbone.get_layer("embeddings_add").output
    )
    images = np.random.default_rng(1).uniform(size=(3, 8, 8, 1)).astype("float32")
    outputs = keras.ops.convert_to_numpy(embeddings(images))  # (3, 17, 16)

    def weights(variable):
        return keras.ops.convert_to_numpy(variable)

    projection = backbone.patch_embedding.projection
    patches = numpy_patches(images, (2, 2)) @ weights(projection.kernel).reshape(
        -1, 16
    ) + weights(projection.bias)  # (3, 16, 16)
    token = np.broadcast_to(weights(backbone.class_token.token), (3, 1, 16))
    table = weights(backbone.position_embedding.position_embeddings)  # (17, 16)
    expected = np.concatenate([token, patches], axis=1) + table
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)


def test_class_token_layer_prepends_one_shared_vector():
    layer = ClassToken(initializer="ones")
    outputs = keras.ops.convert_to_numpy(layer(np.zeros((2, 3, 4), "float32")))
    assert outputs.shape == (2, 4, 4)
    np.testing.assert_array_equal(outputs[:, 0], np.ones((2, 4)))
    np.testing.assert_array_equal(outputs[:, 1:], np.zeros((2, 3, 4)))


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(image_size=(8, 9)), "patch_size.*must divide.*image_size"),
        (dict(patch_size=3), "patch_size.*must divide.*image_size"),
        (dict(patch_size=0), "patch_size"),
        (dict(image_size="8x8"), "image_size"),
        (dict(num_heads=3), "num_heads"),
        (dict(num_layers=0), "num_layers"),
        (dict(num_channels=0), "num_channels"),
    ],
)
def test_bad_configuration_is_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        VisionTransformerBackbone(**{**TINY, **overrides})


def test_patch_embedding_rejects_indivisible_images():
    with pytest.raises(ValueError, match=r"multiple of the patch size.*\(9, 8\)"):
        PatchEmbedding(patch_size=2, hidden_dim=4)(np.zeros((1, 9, 8, 1), "float32"))


def test_vit_base_preset_is_the_paper_configuration():
    preset = PRESETS_DIR / "vit_base_patch16_224"
    config = json.loads((preset / "config.json").read_text())["config"]
    assert tuple(config["image_size"]) == (224, 224)
    assert tuple(config["patch_size"]) == (16, 16)
    assert config["num_channels"] == 3
    assert (config["num_layers"], config["hidden_dim"]) == (12, 768)
    assert (config["num_heads"], config["intermediate_dim"]) == (12, 3072)
    task = json.loads((preset / "task.json").read_text())["config"]
    assert task["num_classes"] == 1000 and task["pooling"] == "token"
    assert not (preset / "model.weights.h5").exists()  # architecture only

    count = vit_parameters(**config, num_classes=1000)
    assert count == 86_567_656
    # Dosovitskiy et al. (2021), Table 1: ViT-Base has 86M parameters.
    assert abs(count - 86e6) / 86e6 < 0.02
    backbone_count = vit_parameters(**config)
    assert backbone_count == 85_798_656
    assert abs(backbone_count - 86e6) / 86e6 < 0.02
    metadata = json.loads((preset / "metadata.json").read_text())
    assert metadata["params"] == count
    assert metadata["parameter_count"] == backbone_count
    assert (
        VisionTransformerBackbone.presets["vit_base_patch16_224"]["metadata"]["params"]
        == count
    )


def test_vit_base_preset_builds_with_random_weights():
    # 86M weights take seconds to initialize; one backend is enough to show
    # that the shipped configuration builds (the count above is per backend).
    if keras.config.backend() != "tensorflow":
        pytest.skip("built on the tensorflow backend only (86M weights)")
    from applications import VisionTransformer

    classifier = VisionTransformer.from_preset("vit_base_patch16_224")
    assert classifier.count_params() == 86_567_656
    assert classifier.backbone.count_params() == 85_798_656
    assert classifier.preprocessor.image_converter.image_size == (224, 224)

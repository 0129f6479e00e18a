"""A tiny Vision Transformer for the tests: 8x8 gray images, 2x2 patches."""

import keras
import numpy as np

from applications.vision_transformer.backbone import VisionTransformerBackbone
from applications.vision_transformer.preprocessor import (
    VisionTransformerImageConverter,
    VisionTransformerPreprocessor,
)
from applications.vision_transformer.task import VisionTransformer

TINY = dict(
    image_size=(8, 8),
    patch_size=2,
    num_layers=1,
    num_heads=2,
    hidden_dim=16,
    intermediate_dim=32,
    num_channels=1,
)
LABEL_NAMES = ["zero", "one", "two"]


def build_vit(seed=0, pooling="token", **overrides):
    """An untrained three-class classifier with its preprocessor."""
    keras.utils.set_random_seed(seed)
    config = {**TINY, **overrides}
    backbone = VisionTransformerBackbone(**config, dropout=0.0)
    converter = VisionTransformerImageConverter(
        image_size=config["image_size"], num_channels=config["num_channels"]
    )
    return VisionTransformer(
        backbone,
        label_names=LABEL_NAMES,
        preprocessor=VisionTransformerPreprocessor(converter),
        pooling=pooling,
    )


def uint8_images(count=6, seed=0, shape=(8, 8, 1)):
    """Random uint8 images of `shape`, a batch of `count`."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(count, *shape)).astype("uint8")


def vit_parameters(
    image_size,
    patch_size,
    num_layers,
    hidden_dim,
    intermediate_dim,
    num_channels,
    num_classes=None,
    **unused,
):
    """Counts ViT's weights per component, from the paper's shapes."""
    (h, w), (ph, pw) = _pair(image_size), _pair(patch_size)
    e, f = hidden_dim, intermediate_dim
    num_patches = (h // ph) * (w // pw)
    patch_embedding = ph * pw * num_channels * e + e  # E and its bias
    class_token = e
    positions = (1 + num_patches) * e
    attention = 4 * (e * e + e)  # W_Q, W_K, W_V, W_O with biases
    mlp = (e * f + f) + (f * e + e)
    layer = attention + mlp + 2 * 2 * e  # two layer norms
    final_norm = 2 * e
    head = 0 if num_classes is None else e * num_classes + num_classes
    return (
        patch_embedding
        + class_token
        + positions
        + num_layers * layer
        + final_norm
        + head
    )


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)

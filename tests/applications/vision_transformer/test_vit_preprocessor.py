"""Image converter and preprocessor: rescaling by dtype, checks, config."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from vit_helpers import uint8_images

from applications.vision_transformer.preprocessor import (
    VisionTransformerImageConverter,
    VisionTransformerPreprocessor,
)


def as_numpy(x):
    return x.numpy() if isinstance(x, tf.Tensor) else keras.ops.convert_to_numpy(x)


@pytest.fixture(scope="module")
def converter():
    return VisionTransformerImageConverter(image_size=(8, 8), num_channels=1)


def test_uint8_and_float_images_give_the_same_output(converter):
    images = uint8_images()
    from_uint8 = as_numpy(converter(images))
    from_float = as_numpy(converter(images.astype("float32") / 255.0))
    assert from_uint8.dtype == np.float32
    np.testing.assert_allclose(from_uint8, images / 255.0, atol=1e-6)
    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)
    # A single (H, W, C) image keeps its shape.
    assert as_numpy(converter(images[0])).shape == (8, 8, 1)


def test_tf_data_pipeline_matches_eager(converter):
    images = uint8_images()
    preprocessor = VisionTransformerPreprocessor(converter)
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(6)))
    x, y = next(iter(dataset.batch(6).map(preprocessor)))
    np.testing.assert_allclose(x.numpy(), images / 255.0, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), np.arange(6))


def test_scale_and_offset_apply_after_the_rescaling():
    converter = VisionTransformerImageConverter(
        image_size=2, num_channels=3, scale=2.0, offset=(-1.0, 0.0, 1.0)
    )
    images = np.array([[[[0, 255, 255]] * 2] * 2], dtype="uint8")  # (1, 2, 2, 3)
    outputs = as_numpy(converter(images))
    np.testing.assert_allclose(outputs[0, 0, 0], [-1.0, 2.0, 3.0], atol=1e-6)


@pytest.mark.parametrize(
    "shape, message",
    [
        ((2, 9, 8, 1), r"size \(height, width\)=\(8, 8\).*Received: images of size "
         r"\(9, 8\)"),
        ((2, 8, 8, 3), r"Expected images with 1 channel.*Received: 3 channel"),
        ((2, 8, 8), r"\(B, 8, 8, 1\).*Received: shape=\(2, 8, 8\).*channel axis"),
        ((8,), r"Received: shape=\(8,\)"),
    ],
)  # fmt: skip
def test_wrong_shapes_say_what_was_received_and_expected(converter, shape, message):
    with pytest.raises(ValueError, match=message):
        converter(np.zeros(shape, "uint8"))


def test_wrong_size_is_caught_inside_tf_data(converter):
    preprocessor = VisionTransformerPreprocessor(converter)
    dataset = tf.data.Dataset.from_tensor_slices(np.zeros((2, 28, 28, 1), "uint8"))
    with pytest.raises(ValueError, match=r"Received: images of size \(28, 28\)"):
        dataset.batch(2).map(preprocessor)


def test_config_round_trip_and_bad_arguments(converter):
    restored = VisionTransformerImageConverter.from_config(converter.get_config())
    assert restored.image_size == (8, 8) and restored.num_channels == 1
    assert restored.max_value == 255
    with pytest.raises(ValueError, match="channels-last"):
        VisionTransformerImageConverter(image_size=8, data_format="channels_first")
    with pytest.raises(ValueError, match="num_channels"):
        VisionTransformerImageConverter(image_size=8, num_channels=0)
    with pytest.raises(TypeError, match="VisionTransformerImageConverter"):
        VisionTransformerPreprocessor(keras.layers.Identity())

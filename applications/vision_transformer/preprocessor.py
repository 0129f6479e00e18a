"""Preprocessor of the Vision Transformer: raw images -> model-ready floats.

Shape legend: B batch, H image height, W image width, C channels.

`VisionTransformerImageConverter` subclasses keras-hub's public
`keras_hub.layers.ImageConverter` (so `image_converter.json`, `from_preset()`
and `ImageClassifierPreprocessor.image_size` work as for keras-hub's own
models) but replaces its `call`: keras-hub's converter *resizes* any image to
`image_size` and applies one fixed `scale` to every input, so it cannot tell
0-255 integer images from [0, 1] floats, and a 28x28 image given to an 8x8
model would be silently shrunk. This converter instead checks the size and
channels (a `ValueError` says what was received and expected) and rescales by
dtype: integer images are divided by `max_value` (255), float images are
taken as already in [0, 1]. The base class's `scale` and `offset` are then
applied to both, e.g. `scale=2.0, offset=-1.0` for [-1, 1] inputs.

One rule decides which images are accepted (`check_images`), shared by
`VisionTransformer.fit`, `evaluate`, `predict` and `classify`, the converter
itself and `keras-attention classify-image`:

- uint8 (or another integer type) with values in [0, `max_value`]; when the
  brightest pixel is 16 or below (but not 0) a `UserWarning` says the values
  look like another scale (scikit-learn's 0-16 digits, 0/1 masks) that
  would be read as nearly black, and to pass `images / 16` (floats in
  [0, 1]) if so; a dark photo is still accepted as it is;
- float with finite values in [0, 1];
- never booleans; at least one image, of the model's size and channels.

Inside `tf.data` (how keras-hub tasks run preprocessing in `fit()`,
`predict()` and `evaluate()`) the inputs are `tf` tensors and the converter
uses TensorFlow ops; called eagerly on numpy or backend tensors it uses
`keras.ops`.
"""

import contextlib
import contextvars
import sys
import warnings

import keras
import keras_hub
import numpy as np
from keras import ops

from applications.common.presets import PresetMixin
from applications.vision_transformer.backbone import VisionTransformerBackbone
from applications.vision_transformer.patch_embedding import as_pair
from keras_attention.api_export import keras_attention_export


def check_image_shape(shape, image_size, num_channels):
    """Checks a batch (B, H, W, C) or a single (H, W, C) image's shape.

    Unknown (None) dimensions, as in a `tf.data` pipeline, pass.

    Args:
        shape: the images' shape.
        image_size: the expected (H, W).
        num_channels: the expected C.

    Raises:
        ValueError: for another rank, size or channel count.
    """
    shape = tuple(None if d is None else int(d) for d in shape)
    expected = (*image_size, num_channels)
    if len(shape) == 4 and shape[0] == 0:
        raise ValueError(
            f"Expected at least one image. Received: an empty batch, shape={shape}."
        )
    # Gray images without a channel axis: (H, W) or (B, H, W).
    missing_channels = (
        num_channels == 1 and len(shape) in (2, 3) and shape[-2:] == tuple(image_size)
    )
    if len(shape) not in (3, 4) or missing_channels:
        hint = (
            " Add a channel axis to gray images (e.g. `images[..., None]`)."
            if missing_channels
            else ""
        )
        raise ValueError(
            f"Expected a batch of images of shape (B, {expected[0]}, "
            f"{expected[1]}, {expected[2]}) or one image of shape {expected}. "
            f"Received: shape={shape}.{hint}"
        )
    received = shape[-3:]
    size_ok = all(r is None or r == e for r, e in zip(received[:2], image_size))
    if not size_ok:
        raise ValueError(
            f"Expected images of size (height, width)={tuple(image_size)}. "
            f"Received: images of size {received[:2]} (shape={shape}). Resize "
            "them first, e.g. with `keras.utils.load_img(path, target_size="
            f"{tuple(image_size)})` or `keras.ops.image.resize`."
        )
    if received[2] is not None and received[2] != num_channels:
        raise ValueError(
            f"Expected images with {num_channels} channel(s) (channels last). "
            f"Received: {received[2]} channel(s) (shape={shape})."
        )


# Integer images whose brightest pixel is at most this are on another scale
# than 0-`max_value` (scikit-learn's digits: 0-16; masks: 0-1).
LOW_SCALE_MAXIMUM = 16


def check_images(images, image_size, num_channels, max_value=255):
    """Checks images against the one rule of the module docstring.

    Args:
        images: (B, H, W, C) or (H, W, C) images: a numpy array, a list of
            arrays, or an eager tensor.
        image_size: the expected (H, W).
        num_channels: the expected C.
        max_value: the largest value of integer images (255 for uint8).

    Returns:
        The images as a numpy array.

    Raises:
        TypeError: for boolean or non-numeric images.
        ValueError: for an empty batch, another shape, NaN or infinite
            values, or values outside the range of their dtype's scale.

    Warns:
        UserWarning: once per call, for integer images whose brightest
            pixel is 16 or below (values that look like 0-16 gray levels
            or a 0/1 mask).
    """
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError(
                "Expected at least one image. Received: an empty list of images."
            )
        images = np.asarray(images)
    if not hasattr(images, "shape") or not hasattr(images, "dtype"):
        raise TypeError(
            f"Expected images as an array or tensor. Received: {type(images).__name__}"
        )
    images = np.asarray(keras.ops.convert_to_numpy(images))
    check_image_shape(images.shape, image_size, num_channels)
    kind = images.dtype.kind
    expected = f"Expected uint8 images in 0-{max_value:g} or float images in [0, 1]"
    if kind == "b":
        raise TypeError(
            f"Boolean images have no gray levels. {expected}, e.g. "
            "`images.astype('float32')` for a 0/1 mask. Received: dtype bool"
        )
    if kind not in ("u", "i", "f"):
        raise TypeError(
            f"Expected numeric images. {expected}. Received: dtype {images.dtype}"
        )
    if kind == "f":
        bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
        if bad:
            raise ValueError(
                f"Images must hold finite values. Received: {bad} NaN or "
                f"infinite value(s) among {images.size}."
            )
        low, high = float(images.min()), float(images.max())
        if low < 0.0 or high > 1.0:
            scale = 16 if high <= LOW_SCALE_MAXIMUM else max_value
            raise ValueError(
                "Float images must be in [0, 1] (or pass uint8 images in "
                f"0-{max_value:g}). Received: values from {low:g} to {high:g}; "
                f"for gray levels 0-{scale:g}, pass `images / {scale:g}`."
            )
        return images
    low, high = int(images.min()), int(images.max())
    if low < 0 or high > max_value:
        raise ValueError(
            f"Integer images must hold values in [0, {max_value:g}] "
            f"(`max_value`). Received: values from {low} to {high} (dtype "
            f"{images.dtype})."
        )
    if 0 < high <= LOW_SCALE_MAXIMUM < max_value:
        warnings.warn(
            f"Integer images are read on a 0-{max_value:g} scale, but these "
            f"reach only {high}: the values look like 0-16 gray levels (or a "
            "0/1 mask) and would be read as nearly black. If they are, pass "
            "floats in [0, 1] instead, e.g. `images / 16` for gray levels "
            "0-16; if they are dark 0-255 images, ignore this warning. "
            f"Received: values from {low} to {high} (dtype {images.dtype}).",
            UserWarning,
            stacklevel=3,
        )
    return images


# Set while a layer's `__call__` has checked the images it was given, so
# the layers it calls in turn (the converter, its `call`) do not scan and
# copy them again, nor warn twice.
_IMAGES_CHECKED = contextvars.ContextVar("images_checked", default=False)


@contextlib.contextmanager
def images_checked():
    """Within it, the converter, the preprocessor and the task's `predict`
    take the images as already checked (`check_images` ran on them)."""
    token = _IMAGES_CHECKED.set(True)
    try:
        yield
    finally:
        _IMAGES_CHECKED.reset(token)


def needs_check(images):
    """Whether `images` can be checked now and were not checked already."""
    return not _IMAGES_CHECKED.get() and is_eager_images(images)


def _call_checked(layer, call, inputs, args, kwargs):
    """`call(inputs, *args, **kwargs)` after checking eager images once."""
    if not needs_check(inputs):
        return call(inputs, *args, **kwargs)
    layer.check_images(inputs)
    with images_checked():
        return call(inputs, *args, **kwargs)


def _is_integer_dtype(dtype):
    dtype = keras.backend.standardize_dtype(dtype)
    return "int" in dtype or dtype == "bool"


def _executing_eagerly():
    tf = sys.modules.get("tensorflow")
    return tf is None or tf.executing_eagerly()


def is_eager_images(x):
    """Whether `x` is an array, list or tensor (of images) whose values can
    be checked now: not a `tf.data.Dataset`, not inside a `tf.data` graph."""
    if not _executing_eagerly():
        return False
    return (
        isinstance(x, (np.ndarray, list, tuple))
        or keras.ops.is_tensor(x)
        or _is_tf_tensor(x)
    )


def _is_tf_tensor(x):
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return False
    return isinstance(x, tf.Tensor) or not tf.executing_eagerly()


@keras_attention_export
class VisionTransformerImageConverter(PresetMixin, keras_hub.layers.ImageConverter):
    """Checks and rescales raw images for a `VisionTransformerBackbone`.

    - integer images (uint8, 0-255) are cast to floats and divided by
      `max_value`;
    - float images are taken as already in [0, 1];
    - then `scale` and `offset` (keras-hub's, global or per channel) apply.

    Images are never resized: a wrong size or channel count raises a
    `ValueError` (see the module docstring for why this differs from
    keras-hub's `ImageConverter`). Called eagerly, the values are checked
    too (`check_images`); inside a `tf.data` graph only the shape is.

    Args:
        image_size: (H, W) the backbone expects (an int for square images).
        num_channels: C the backbone expects.
        max_value: the largest value of integer images (255 for uint8).
        scale: optional factor(s) applied after the rescaling to [0, 1].
        offset: optional offset(s) added after `scale`.
        **kwargs: forwarded to `keras_hub.layers.ImageConverter` (e.g.
            `name`, `dtype`).

    Call arguments:
        inputs: (B, H, W, C) or (H, W, C) images: a numpy array, a list of
            arrays, or a tensor.

    Returns:
        Float images of the same shape, in the layer's compute dtype.

    Example:
    >>> converter = VisionTransformerImageConverter(image_size=8, num_channels=1)
    >>> converter(np.full((2, 8, 8, 1), 255, "uint8")).max()  # 1.0
    """

    backbone_cls = VisionTransformerBackbone

    def __init__(
        self,
        image_size,
        num_channels=3,
        max_value=255,
        scale=None,
        offset=None,
        **kwargs,
    ):
        data_format = kwargs.pop("data_format", None)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                "VisionTransformerImageConverter takes channels-last images "
                f"only. Received: data_format={data_format!r}"
            )
        image_size = as_pair(image_size, "image_size")
        if not isinstance(num_channels, int) or num_channels <= 0:
            raise ValueError(
                "`num_channels` must be a positive integer. "
                f"Received: num_channels={num_channels!r}"
            )
        if not isinstance(max_value, (int, float)) or max_value <= 0:
            raise ValueError(
                f"`max_value` must be a positive number. Received: {max_value!r}"
            )
        super().__init__(
            image_size=image_size,
            scale=scale,
            offset=offset,
            data_format="channels_last",
            **kwargs,
        )
        self.num_channels = num_channels
        self.max_value = max_value

    def __call__(self, inputs, *args, **kwargs):
        # Checked once, before Keras' `__call__`, which would wrap the error.
        return _call_checked(self, super().__call__, inputs, args, kwargs)

    def call(self, inputs):
        if isinstance(inputs, (list, tuple)):
            inputs = np.asarray(inputs)
        if not hasattr(inputs, "shape") or not hasattr(inputs, "dtype"):
            raise TypeError(
                "Expected images as an array or tensor. Received: "
                f"{type(inputs).__name__}"
            )
        if not _executing_eagerly():  # inside a `tf.data` graph
            check_image_shape(inputs.shape, self.image_size, self.num_channels)
        elif not _IMAGES_CHECKED.get():
            self.check_images(inputs)
        rescale = 1.0 / self.max_value if _is_integer_dtype(inputs.dtype) else None
        factors = [
            (rescale, "multiply"),
            (self.scale, "multiply"),
            (self.offset, "add"),
        ]
        if _is_tf_tensor(inputs):
            import tensorflow as tf

            x = tf.cast(inputs, self.compute_dtype)
            for value, op in factors:
                if value is not None:
                    value = tf.constant(value, dtype=self.compute_dtype)
                    x = x * value if op == "multiply" else x + value
            return x
        x = ops.cast(inputs, self.compute_dtype)
        for value, op in factors:
            if value is not None:
                value = ops.convert_to_tensor(value, dtype=self.compute_dtype)
                x = ops.multiply(x, value) if op == "multiply" else ops.add(x, value)
        return x

    def check_images(self, images):
        """Checks images against the rule of the module docstring.

        Returns:
            The images as a numpy array.

        Raises:
            TypeError, ValueError: see `check_images`.
        """
        return check_images(images, self.image_size, self.num_channels, self.max_value)

    def get_config(self):
        config = super().get_config()
        config["image_size"] = list(self.image_size)
        config.update({"num_channels": self.num_channels, "max_value": self.max_value})
        return config


@keras_attention_export
class VisionTransformerPreprocessor(
    PresetMixin, keras_hub.models.ImageClassifierPreprocessor
):
    """Images (and labels) -> what `VisionTransformer` trains and predicts on.

    A `keras_hub.models.ImageClassifierPreprocessor` around a
    `VisionTransformerImageConverter`: runs inside `tf.data` during `fit()`
    / `predict()` and eagerly on numpy arrays. Labels and sample weights
    pass through unchanged.

    Args:
        image_converter: a `VisionTransformerImageConverter`.
        **kwargs: forwarded to `keras_hub.models.ImageClassifierPreprocessor`.

    Call arguments:
        x: (B, H, W, C) or (H, W, C) images, uint8 or float in [0, 1].
        y: optional labels, passed through.
        sample_weight: optional sample weights, passed through.

    Returns:
        `x` as float images, packed with `y` and `sample_weight` when given.

    Example:
    >>> preprocessor = VisionTransformerPreprocessor(
    ...     VisionTransformerImageConverter(image_size=(8, 8), num_channels=1))
    >>> x, y = preprocessor(np.zeros((2, 8, 8, 1), "uint8"), [3, 5])
    """

    backbone_cls = VisionTransformerBackbone
    image_converter_cls = VisionTransformerImageConverter

    def __init__(self, image_converter=None, **kwargs):
        if image_converter is not None and not isinstance(
            image_converter, VisionTransformerImageConverter
        ):
            raise TypeError(
                "`image_converter` must be a VisionTransformerImageConverter. "
                f"Received: {type(image_converter).__name__}"
            )
        super().__init__(image_converter=image_converter, **kwargs)

    def __call__(self, x, *args, **kwargs):
        # Checked once, before Keras' `__call__`, which would wrap the error;
        # the converter it calls does not check again.
        return _call_checked(self, super().__call__, x, args, kwargs)

    def check_images(self, images):
        """Checks images as the converter reads them (see `check_images`);
        the task's `fit`, `evaluate`, `predict` and `classify` call it on
        arrays before `tf.data` takes them.

        Returns:
            The images as a numpy array (unchanged without a converter).
        """
        if self.image_converter is None:
            return images
        return self.image_converter.check_images(images)

    @property
    def num_channels(self):
        """C, the channels the images must have (None without a converter)."""
        if self.image_converter is None:
            return None
        return self.image_converter.num_channels

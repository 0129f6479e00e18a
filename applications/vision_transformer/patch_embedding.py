"""Patch embedding of the Vision Transformer: image -> sequence of patches.

Shape legend: B batch, H image height, W image width, C channels,
P patch size (Ph x Pw), N = (H / Ph) * (W / Pw) patches, E `hidden_dim`.
"""

import keras
from keras import ops

from keras_attention.api_export import keras_attention_export


def as_pair(value, name):
    """`value` as a `(int, int)` pair; an int `n` gives `(n, n)`.

    Raises:
        ValueError: unless `value` is a positive int or a pair of them.
    """
    pair = (value, value) if isinstance(value, int) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        or min(pair) <= 0
    ):
        raise ValueError(
            f"`{name}` must be a positive integer or a pair (height, width) of "
            f"positive integers. Received: {name}={value!r}"
        )
    return tuple(pair)


@keras_attention_export
class PatchEmbedding(keras.layers.Layer):
    """Cuts images into non-overlapping patches and projects each to E.

    Each Ph x Pw x C patch is flattened and multiplied by a learned
    (Ph * Pw * C, E) matrix plus a bias (the patch embedding `E` of
    Dosovitskiy et al. 2021, eq. 1), implemented as a `Conv2D` whose kernel
    size and stride are the patch size. Patches come out in row-major order:
    patch `(i, j)` of the (H / Ph) x (W / Pw) grid is position
    `i * (W / Pw) + j`.

    Reference: Dosovitskiy et al., "An Image is Worth 16x16 Words:
    Transformers for Image Recognition at Scale", ICLR 2021.

    Args:
        patch_size: P, an int or a `(Ph, Pw)` pair.
        hidden_dim: E, the width of each patch vector.
        kernel_initializer: initializer of the projection.
        bias_initializer: initializer of the bias.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, H, W, C) images (channels last); H and W must be
            multiples of the patch size.

    Returns:
        (B, N, E) patch vectors.

    Example:
    >>> images = np.zeros((2, 8, 8, 1), "float32")
    >>> tuple(PatchEmbedding(patch_size=2, hidden_dim=16)(images).shape)
    (2, 16, 16)
    """

    def __init__(
        self,
        patch_size,
        hidden_dim,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.patch_size = as_pair(patch_size, "patch_size")
        if not isinstance(hidden_dim, int) or hidden_dim <= 0:
            raise ValueError(
                "`hidden_dim` must be a positive integer. "
                f"Received: hidden_dim={hidden_dim!r}"
            )
        self.hidden_dim = hidden_dim
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.projection = keras.layers.Conv2D(
            hidden_dim,
            kernel_size=self.patch_size,
            strides=self.patch_size,
            padding="valid",
            data_format="channels_last",
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name="projection",
        )

    def build(self, inputs_shape):
        self.projection.build(inputs_shape)
        self.grid_size = grid_size(inputs_shape, self.patch_size)

    def call(self, inputs):
        if len(inputs.shape) != 4:
            raise ValueError(
                "PatchEmbedding expects images of rank 4 (batch, height, "
                f"width, channels). Received: inputs.shape={tuple(inputs.shape)}"
            )
        x = self.projection(inputs)  # (B, H / Ph, W / Pw, E)
        num_patches = self.grid_size[0] * self.grid_size[1]
        return ops.reshape(x, (-1, num_patches, self.hidden_dim))  # (B, N, E)

    def compute_output_shape(self, inputs_shape):
        rows, columns = grid_size(inputs_shape, self.patch_size)
        return (inputs_shape[0], rows * columns, self.hidden_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "patch_size": list(self.patch_size),
                "hidden_dim": self.hidden_dim,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config


def grid_size(images_shape, patch_size):
    """The (rows, columns) of patches of (B, H, W, C) images.

    Raises:
        ValueError: if the images are not rank 4 with a known height and
            width that are multiples of the patch size.
    """
    if len(images_shape) != 4 or images_shape[1] is None or images_shape[2] is None:
        raise ValueError(
            "Expected images of shape (batch, height, width, channels) with a "
            f"known height and width. Received: shape={tuple(images_shape)}"
        )
    height, width = images_shape[1], images_shape[2]
    if height % patch_size[0] or width % patch_size[1]:
        raise ValueError(
            "The image size must be a multiple of the patch size. Received: "
            f"image size {(height, width)}, patch_size={tuple(patch_size)}"
        )
    return height // patch_size[0], width // patch_size[1]

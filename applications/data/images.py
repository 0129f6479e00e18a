"""Loaders for image classification data: scikit-learn digits, keras.datasets.

All loaders return images as float32 arrays of shape (N, H, W, C) scaled to
[0, 1], int32 labels of shape (N,), and the class names.
"""

import collections

import numpy as np

ImageSet = collections.namedtuple("ImageSet", ["images", "labels", "class_names"])

_CIFAR10_NAMES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip
_FASHION_MNIST_NAMES = [
    "t-shirt/top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
]  # fmt: skip
# keras.datasets module name -> (pixel maximum, class names or class count).
KERAS_IMAGE_DATASETS = {
    "mnist": (255.0, 10),
    "fashion_mnist": (255.0, _FASHION_MNIST_NAMES),
    "cifar10": (255.0, _CIFAR10_NAMES),
    "cifar100": (255.0, 100),
}


def load_digits():
    """Loads scikit-learn's 8x8 handwritten digits (1,797 images, offline).

    The images ship inside the scikit-learn wheel, with gray levels 0-16.

    Returns:
        `ImageSet(images, labels, class_names)`: images (1797, 8, 8, 1)
        float32 in [0, 1], labels (1797,) int32, class names "0" to "9".
    """
    from sklearn import datasets

    digits = datasets.load_digits()
    images = digits.images.astype("float32")[..., None] / 16.0  # (N, 8, 8, 1)
    labels = digits.target.astype("int32")
    return ImageSet(images, labels, [str(name) for name in digits.target_names])


def load_keras_image_dataset(name):
    """Loads an image set of `keras.datasets` (downloaded on first use).

    Args:
        name: one of `"mnist"`, `"fashion_mnist"`, `"cifar10"`, `"cifar100"`.

    Returns:
        `(train, test)`: two `ImageSet`s, images (N, H, W, C) float32 in
        [0, 1], labels (N,) int32.

    Raises:
        ValueError: for an unknown `name`.
    """
    import keras

    if name not in KERAS_IMAGE_DATASETS:
        raise ValueError(
            f"Unknown keras.datasets image set {name!r}. Expected one of "
            f"{sorted(KERAS_IMAGE_DATASETS)}."
        )
    maximum, classes = KERAS_IMAGE_DATASETS[name]
    module = getattr(keras.datasets, name)
    (x_train, y_train), (x_test, y_test) = module.load_data()
    if isinstance(classes, int):
        class_names = [str(i) for i in range(classes)]
    else:
        class_names = list(classes)
    return tuple(
        ImageSet(
            _as_images(x, maximum),
            np.asarray(y).reshape(-1).astype("int32"),
            class_names,
        )
        for x, y in ((x_train, y_train), (x_test, y_test))
    )


def _as_images(x, maximum):
    x = np.asarray(x, dtype="float32") / maximum
    if x.ndim == 3:  # (N, H, W) gray images: add the channel axis
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(
            f"Expected images of shape (N, H, W) or (N, H, W, C). Received: {x.shape}"
        )
    return x

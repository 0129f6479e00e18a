"""Loaders for image classification data: scikit-learn digits, keras.datasets,
and image files (`.npy` arrays, PNG, JPEG, ...).

The data set loaders return images as float32 arrays of shape (N, H, W, C)
scaled to [0, 1], int32 labels of shape (N,), and the class names.
"""

import collections
from pathlib import Path

import numpy as np

from applications.data.splits import stratified_split

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


# The image sets `load_image_split` knows.
IMAGE_DATASETS = {
    "digits": "scikit-learn digits (8x8 gray, 1,797 images, offline)",
    "mnist": "MNIST (28x28 gray, keras.datasets, downloaded)",
    "fashion_mnist": "Fashion-MNIST (28x28 gray, keras.datasets, downloaded)",
    "cifar10": "CIFAR-10 (32x32 RGB, keras.datasets, downloaded)",
    "cifar100": "CIFAR-100 (32x32 RGB, keras.datasets, downloaded)",
}
# Their images' (H, W, C).
IMAGE_SHAPES = {
    "digits": (8, 8, 1),
    "mnist": (28, 28, 1),
    "fashion_mnist": (28, 28, 1),
    "cifar10": (32, 32, 3),
    "cifar100": (32, 32, 3),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


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


def load_image_split(dataset, test_fraction=0.2, validation_fraction=0.1, seed=1337):
    """Loads an image set of `IMAGE_DATASETS` and splits it.

    digits: a stratified `test_fraction` test split, then validation carved
    from the rest (`stratified_split`). keras.datasets sets: their official
    test set; validation carved (stratified) from their training set.

    Args:
        dataset: a name of `IMAGE_DATASETS`.
        test_fraction: digits only: share of all images held out for testing.
        validation_fraction: share of the training images for validation.
        seed: the split seed.

    Returns:
        `(train, validation, test, class_names, description)`: the first
        three are `(images, labels)` pairs of numpy arrays, images float32
        in [0, 1] of shape (N, H, W, C).

    Raises:
        ValueError: for an unknown `dataset`.
    """
    if dataset not in IMAGE_DATASETS:
        raise ValueError(
            f"Unknown dataset {dataset!r}. Expected one of {sorted(IMAGE_DATASETS)}."
        )
    if dataset == "digits":
        data = load_digits()
        train, validation, test = stratified_split(
            data.labels, test_fraction, validation_fraction, seed
        )
        parts = [(data.images[i], data.labels[i]) for i in (train, validation, test)]
        description = (
            "scikit-learn digits (sklearn.datasets.load_digits, 1,797 8x8 "
            "images, gray levels 0-16 scaled to [0, 1])"
        )
        split = (
            f"stratified {1 - test_fraction:.0%}/{test_fraction:.0%} train/test "
            f"(sklearn train_test_split, seed {seed}); validation: a stratified "
            f"{validation_fraction:.0%} of the train part"
        )
        return (*parts, data.class_names, f"{description}; {split}")
    full_train, test = load_keras_image_dataset(dataset)
    train, validation, _ = stratified_split(
        full_train.labels, 0.0, validation_fraction, seed
    )
    parts = [
        (full_train.images[train], full_train.labels[train]),
        (full_train.images[validation], full_train.labels[validation]),
        (test.images, test.labels),
    ]
    split = (
        f"official test set; validation: a stratified {validation_fraction:.0%} "
        f"of the official training set (seed {seed})"
    )
    return (*parts, full_train.class_names, f"{IMAGE_DATASETS[dataset]}; {split}")


def check_image_file(path):
    """Checks that `path` is an existing `.npy` or image file.

    Returns:
        `pathlib.Path`.

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: for another suffix.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such image file: {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix != ".npy" and suffix not in IMAGE_SUFFIXES:
        raise ValueError(
            f"{path}: expected a .npy array or an image file "
            f"({', '.join(IMAGE_SUFFIXES)}). Received suffix {suffix!r}"
        )
    return path


def load_image_file(path, image_size, num_channels):
    """Reads one file as a (B, H, W, C) batch and a name for each image.

    Args:
        path: a `.npy` array or an image file.
        image_size: the model's (H, W); image files are resized to it.
        num_channels: the model's C; image files are read as gray (1), RGB
            (3) or RGBA (4). A (H, W) or (B, H, W) array gets a channel
            axis when C is 1.

    Returns:
        `(images, names)`: an array as stored (`.npy`) or uint8 0-255
        (image files), and `path`, or `path[i]` for each image of a batch.

    Raises:
        FileNotFoundError, ValueError: see `check_image_file`; a file that
            cannot be read (corrupt or truncated, or a `.npy` of Python
            objects); a `.npy` of another rank; an image file for a model of
            2 or 5+ channels.
    """
    path = check_image_file(path)
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as error:
            raise ValueError(
                f"{path}: cannot read the file as a numpy array ({error}). "
                "Expected a .npy written by `numpy.save` (numbers, no pickled "
                "objects)."
            ) from None
        if (
            num_channels == 1
            and array.ndim in (2, 3)
            and (array.shape[-2:] == tuple(image_size))
        ):
            array = array[..., None]  # gray images without a channel axis
        if array.ndim == 3:
            array = array[None]
        if array.ndim != 4:
            raise ValueError(
                f"{path}: expected an array of shape (H, W, C), (H, W) or "
                f"(B, H, W, C). Received: shape={array.shape}"
            )
        if len(array) == 1:
            return array, [str(path)]
        return array, [f"{path}[{i}]" for i in range(len(array))]
    import keras

    modes = {1: "grayscale", 3: "rgb", 4: "rgba"}
    if num_channels not in modes:
        raise ValueError(
            f"Image files can be read with 1, 3 or 4 channels; the model takes "
            f"{num_channels}. Use a .npy array instead."
        )
    try:
        image = keras.utils.load_img(
            path, color_mode=modes[num_channels], target_size=tuple(image_size)
        )
        # PIL decodes lazily: a truncated file fails here.
        array = keras.utils.img_to_array(image, data_format="channels_last")
    except Exception as error:  # PIL: OSError, SyntaxError, struct.error, ...
        raise ValueError(
            f"{path}: cannot read the image file ({type(error).__name__}: "
            f"{error}). Expected a readable {', '.join(IMAGE_SUFFIXES)} image; "
            "the file may be truncated or corrupt."
        ) from None
    array = np.clip(np.round(array), 0, 255).astype("uint8")  # 0-255, as read
    return array[None], [str(path)]


def load_image_folder(directory, image_size, num_channels):
    """Reads a folder of class sub-folders: `directory/<class name>/<files>`.

    The layout `keras.utils.image_dataset_from_directory` reads: each
    sub-folder is a class, named after it, holding image files or `.npy`
    arrays (see `load_image_file`; a `.npy` batch gives several images of
    that class). Hidden entries and other files are skipped.

    Args:
        directory: the folder.
        image_size: the model's (H, W); image files are resized to it.
        num_channels: the model's C.

    Returns:
        `(images, labels)`: (N, H, W, C) float32 in [0, 1] (integer images
        divided by 255) and the N class names (the sub-folders' names), in
        sorted folder and file order.

    Raises:
        FileNotFoundError: if `directory` is no folder.
        ValueError: for a folder without class sub-folders of images, or an
            image that cannot be read or has another shape.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"No such image folder: {str(directory)!r}")
    images, labels = [], []
    for folder in sorted(directory.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            if path.name.startswith(".") or not (
                suffix == ".npy" or suffix in IMAGE_SUFFIXES
            ):
                continue
            batch, _ = load_image_file(path, image_size, num_channels)
            batch = np.asarray(batch)
            if np.issubdtype(batch.dtype, np.integer):
                batch = batch.astype("float32") / 255.0
            expected = (*tuple(image_size), num_channels)
            if batch.shape[1:] != expected:
                raise ValueError(
                    f"{path}: expected images of shape {expected} (H, W, C). "
                    f"Received: shape={batch.shape[1:]}"
                )
            images.append(batch.astype("float32"))
            labels += [folder.name] * len(batch)
    if not images:
        raise ValueError(
            f"{directory}: no images found. Expected class sub-folders "
            f"(directory/<class name>/) of .npy or {', '.join(IMAGE_SUFFIXES)} "
            "files."
        )
    return np.concatenate(images), labels

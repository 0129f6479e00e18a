"""Command-line hook of the Vision Transformer: `train vit`, `classify-image`.

    keras-attention train vit --dataset digits --output my_vit
    keras-attention train vit --dataset cifar10 --patch-size 4 --output vit_cifar
    keras-attention classify-image --preset vit_tiny_digits digit.npy photo.png

`--dataset digits` is scikit-learn's 8x8 digits (shipped in its wheel,
offline); the `keras.datasets` sets (mnist, fashion_mnist, cifar10, cifar100)
download on first use. Keras and the model classes are imported inside the
`run` functions, after the command line has chosen the backend.
"""

from pathlib import Path

from applications.cli import Command
from applications.cli_arguments import add_preset_argument, add_run_arguments

PRESETS_MODULE = "applications.vision_transformer.backbone"

# Data set -> (default patch size, description).
DATASETS = {
    "digits": (2, "scikit-learn digits (8x8 gray, 1,797 images, offline)"),
    "mnist": (4, "MNIST (28x28 gray, keras.datasets, downloaded)"),
    "fashion_mnist": (4, "Fashion-MNIST (28x28 gray, keras.datasets, downloaded)"),
    "cifar10": (4, "CIFAR-10 (32x32 RGB, keras.datasets, downloaded)"),
    "cifar100": (4, "CIFAR-100 (32x32 RGB, keras.datasets, downloaded)"),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def stratified_split(labels, test_fraction=0.2, validation_fraction=0.1, seed=1337):
    """Seeded, class-stratified train / validation / test indices.

    The test set is cut first (`test_fraction` of all examples); the
    validation set is then carved from the rest only (`validation_fraction`
    of the non-test examples), so the test set does not depend on
    `validation_fraction` and is never seen in training.

    Args:
        labels: (N,) int class ids.
        test_fraction: share of all examples held out for testing (0: none).
        validation_fraction: share of the non-test examples for validation
            (0: none).
        seed: the shuffle seed.

    Returns:
        `(train, validation, test)`: sorted int arrays of indices.
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    indices = np.arange(len(labels))

    def cut(indices, fraction):
        if fraction == 0:
            return indices, indices[:0]
        keep, held = train_test_split(
            indices,
            test_size=fraction,
            random_state=seed,
            stratify=labels[indices],
        )
        return np.sort(keep), np.sort(held)

    for name, fraction in (
        ("test_fraction", test_fraction),
        ("validation_fraction", validation_fraction),
    ):
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"`{name}` must be in [0, 1). Received: {fraction}")
    rest, test = cut(indices, test_fraction)
    train, validation = cut(rest, validation_fraction)
    return train, validation, test


def load_split(dataset, test_fraction=0.2, validation_fraction=0.1, seed=1337):
    """Loads a data set and splits it as `train vit` does.

    digits: a stratified `test_fraction` test split, then validation carved
    from the rest (`stratified_split`). keras.datasets sets: their official
    test set; validation carved (stratified) from their training set.

    Returns:
        `(train, validation, test, class_names, description)`: the first
        three are `(images, labels)` pairs of numpy arrays, images float32
        in [0, 1] of shape (N, H, W, C).
    """
    from applications.data import images

    if dataset not in DATASETS:
        raise ValueError(
            f"Unknown dataset {dataset!r}. Expected one of {sorted(DATASETS)}."
        )
    if dataset == "digits":
        data = images.load_digits()
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
    full_train, test = images.load_keras_image_dataset(dataset)
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
    return (*parts, full_train.class_names, f"{DATASETS[dataset][1]}; {split}")


def add_train_arguments(parser):
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        required=True,
        help="; ".join(f"{name}: {info[1]}" for name, info in DATASETS.items()),
    )
    parser.add_argument("--output", required=True, help="preset directory to write")
    parser.add_argument("--description", help="description kept in the preset")
    model = parser.add_argument_group("model")
    model.add_argument(
        "--patch-size",
        type=int,
        help="patch side P (default: 2 for digits, 4 for the others)",
    )
    model.add_argument("--num-layers", type=int, default=4)
    model.add_argument("--num-heads", type=int, default=4)
    model.add_argument("--hidden-dim", type=int, default=64)
    model.add_argument("--intermediate-dim", type=int, default=128)
    model.add_argument("--dropout", type=float, default=0.0)
    model.add_argument("--pooling", choices=("token", "mean"), default="token")
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=int, default=100)
    training.add_argument("--batch-size", type=int, default=32)
    training.add_argument("--learning-rate", type=float, default=2e-3)
    training.add_argument("--weight-decay", type=float, default=0.05)
    training.add_argument(
        "--warmup-epochs",
        type=int,
        default=5,
        help="linear warmup before the cosine decay of the learning rate",
    )
    training.add_argument(
        "--shift",
        type=int,
        default=1,
        help="augmentation: random shifts of up to this many pixels (0: none)",
    )
    training.add_argument(
        "--rotation",
        type=float,
        default=0.0,
        help="augmentation: random rotations of up to this many degrees (0: none)",
    )
    training.add_argument(
        "--flip",
        action="store_true",
        help="augmentation: random horizontal flips (not for digits)",
    )
    training.add_argument(
        "--monitor",
        choices=("loss", "accuracy"),
        default="loss",
        help="validation quantity that picks the best epoch (loss: finer "
        "grained than the accuracy of a small validation set)",
    )
    training.add_argument(
        "--patience",
        type=int,
        help="stop after this many epochs without a better validation "
        "score (default: train all epochs)",
    )
    training.add_argument(
        "--validation-fraction",
        type=float,
        default=0.1,
        help="share of the training data used to pick the best epoch",
    )
    training.add_argument(
        "--test-fraction",
        type=float,
        default=0.2,
        help="digits only: share held out for testing (the keras.datasets "
        "sets use their official test set)",
    )
    add_run_arguments(training)


def _augment(images, shift, flip, seed):
    """Random shifts (zero padding + random crop) and flips of one image."""
    import tensorflow as tf

    if shift:
        padded = tf.pad(images, [[shift, shift], [shift, shift], [0, 0]])
        images = tf.image.random_crop(padded, tf.shape(images), seed=seed)
    if flip:
        images = tf.image.random_flip_left_right(images, seed=seed)
    return images


def run_train(args, argv):
    import keras
    import tensorflow as tf

    from applications import training
    from applications.vision_transformer.backbone import VisionTransformerBackbone
    from applications.vision_transformer.preprocessor import (
        VisionTransformerImageConverter,
        VisionTransformerPreprocessor,
    )
    from applications.vision_transformer.task import VisionTransformer

    if args.shift < 0 or args.rotation < 0:
        raise ValueError(
            "`--shift` and `--rotation` must be >= 0. Received: "
            f"--shift {args.shift}, --rotation {args.rotation}"
        )
    keras.utils.set_random_seed(args.seed)
    with training.Stopwatch() as watch:
        train, validation, test, label_names, data_description = load_split(
            args.dataset, args.test_fraction, args.validation_fraction, args.seed
        )
        height, width, channels = train[0].shape[1:]
        patch_size = args.patch_size or DATASETS[args.dataset][0]
        backbone = VisionTransformerBackbone(
            image_size=(height, width),
            patch_size=patch_size,
            num_layers=args.num_layers,
            num_heads=args.num_heads,
            hidden_dim=args.hidden_dim,
            intermediate_dim=args.intermediate_dim,
            num_channels=channels,
            dropout=args.dropout,
        )
        classifier = VisionTransformer(
            backbone,
            label_names=label_names,
            preprocessor=VisionTransformerPreprocessor(
                VisionTransformerImageConverter(
                    image_size=(height, width), num_channels=channels
                )
            ),
            pooling=args.pooling,
            dropout=args.dropout,
        )
        steps = -(-len(train[0]) // args.batch_size)
        if args.steps_per_epoch:
            steps = min(steps, args.steps_per_epoch)
        schedule = training.warmup_cosine_schedule(
            args.learning_rate, steps * args.epochs, steps * args.warmup_epochs
        )
        classifier.compile(
            optimizer=keras.optimizers.AdamW(
                learning_rate=schedule, weight_decay=args.weight_decay
            ),
        )

        def batches(split, augment):
            dataset = tf.data.Dataset.from_tensor_slices(split)
            if augment:
                dataset = dataset.shuffle(len(split[0]), seed=args.seed)
                if args.shift or args.flip:
                    # Sequential: parallel calls would hand the seeded random
                    # draws to the images in a varying order.
                    dataset = dataset.map(
                        lambda x, y: (
                            _augment(x, args.shift, args.flip, args.seed),
                            y,
                        )
                    )
            dataset = dataset.batch(args.batch_size)
            if augment and args.rotation:
                # A Keras preprocessing layer runs on TensorFlow inside
                # tf.data, whatever the backend; one angle per image.
                rotate = keras.layers.RandomRotation(
                    args.rotation / 360.0, fill_mode="constant", seed=args.seed
                )
                dataset = dataset.map(lambda x, y: (rotate(x, training=True), y))
            return dataset

        has_validation = len(validation[0]) > 0
        result = training.fit_with_best_checkpoint(
            classifier,
            batches(train, augment=True),
            validation_data=batches(validation, False) if has_validation else None,
            epochs=args.epochs,
            checkpoint_path=args.checkpoint
            or training.default_checkpoint_path(args.output),
            monitor=("val_" if has_validation else "")
            + ("loss" if args.monitor == "loss" else "sparse_categorical_accuracy"),
            mode="min" if args.monitor == "loss" else "max",
            patience=args.patience,
            steps_per_epoch=args.steps_per_epoch,
            verbose=args.verbose,
        )
    metrics = {}
    if len(test[0]):
        _, accuracy = classifier.evaluate(batches(test, False), verbose=0)
        metrics["test_accuracy"] = round(float(accuracy), 4)
    if has_validation:
        best = result["best_epoch"] - 1
        accuracy = result["history"]["val_sparse_categorical_accuracy"][best]
        metrics["validation_accuracy"] = round(float(accuracy), 4)
    record = training.training_record(
        argv,
        watch.seconds,
        description=args.description or f"Vision Transformer trained on {args.dataset}",
        training_data=data_description,
        split_sizes=training.split_sizes(train, validation, test),
        split_seed=args.seed,
        epochs_run=result["epochs_run"],
        best_epoch=result["best_epoch"],
        params=classifier.count_params(),
        **metrics,
    )
    details = [f"{len(label_names)} classes"]
    details += [f"{key} {value}" for key, value in metrics.items()]
    training.save_trained_preset(
        classifier, args.output, record, result, details, watch.seconds
    )
    return 0


def add_classify_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help=".npy arrays (one (H, W, C) or (H, W) image, or a (B, H, W, C) "
        "batch; uint8 0-255 or float in [0, 1]) or image files (PNG, JPEG, "
        "...; resized to the preset's image size)",
    )
    parser.add_argument("--batch-size", type=int, default=32)


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


def load_images(path, image_size, num_channels):
    """Reads one file as a (B, H, W, C) batch and a name for each image.

    Args:
        path: a `.npy` array or an image file.
        image_size: the model's (H, W); image files are resized to it.
        num_channels: the model's C; image files are read as gray (1), RGB
            (3) or RGBA (4). A (H, W) or (B, H, W) array gets a channel
            axis when C is 1.

    Returns:
        `(images, names)`.
    """
    import numpy as np

    path = check_image_file(path)
    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
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
    image = keras.utils.load_img(
        path, color_mode=modes[num_channels], target_size=tuple(image_size)
    )
    array = keras.utils.img_to_array(image, data_format="channels_last")
    array = np.clip(np.round(array), 0, 255).astype("uint8")  # 0-255, as read
    return array[None], [str(path)]


def run_classify(args, argv):
    import numpy as np

    from applications.vision_transformer.task import VisionTransformer

    for path in args.files:  # before the (slower) model loading
        check_image_file(path)
    classifier = VisionTransformer.from_preset(args.preset)
    converter = classifier.preprocessor.image_converter
    for path in args.files:
        images, names = load_images(path, converter.image_size, converter.num_channels)
        labels, probabilities = classifier.classify(
            np.asarray(images), batch_size=args.batch_size
        )
        for name, label, row in zip(names, labels, probabilities):
            print(f"{label}\t{row.max():.3f}\t{name}")
    return 0


COMMANDS = [
    Command(
        path=("train", "vit"),
        help="train a Vision Transformer image classifier and write a preset",
        add_arguments=add_train_arguments,
        run=run_train,
    ),
    Command(
        path=("classify-image",),
        help="classify images with a Vision Transformer preset",
        add_arguments=add_classify_arguments,
        run=run_classify,
    ),
]

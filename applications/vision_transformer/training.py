"""Training recipe of the Vision Transformer: a typed config and `train(config)`.

    from applications.vision_transformer.training import (
        VisionTransformerTrainingConfig, train)

    vit, record = train(VisionTransformerTrainingConfig(
        dataset="digits", epochs=20, output="my_vit"))

`keras-attention train vit` maps its options onto the config. `digits` is
scikit-learn's 8x8 digits (shipped in its wheel, offline); the
`keras.datasets` sets download on first use.
"""

from applications.common import training
from applications.common.config import (
    ClassificationTrainingConfig,
    option,
    training_config,
)
from applications.data.images import IMAGE_DATASETS, IMAGE_SHAPES

# Data set -> the default patch side P.
DEFAULT_PATCH_SIZES = {
    "digits": 2,
    "mnist": 4,
    "fashion_mnist": 4,
    "cifar10": 4,
    "cifar100": 4,
}


@training_config(
    epochs=100,
    learning_rate=2e-3,
    weight_decay=0.05,
    validation_fraction=option(
        0.1, "share of the training data used to pick the best epoch", "split", "[0, 1)"
    ),
    test_fraction=option(
        0.2,
        "digits only: share held out for testing (the keras.datasets sets use "
        "their official test set)",
        "split",
        "[0, 1)",
    ),
    num_layers=4,
    hidden_dim=64,
    intermediate_dim=128,
    dropout=0.0,
)
class VisionTransformerTrainingConfig(ClassificationTrainingConfig):
    """How to train a `VisionTransformer` from scratch (see `option` helps).

    AdamW with a linear warmup and cosine decay of the learning rate, random
    shifts / rotations / flips of the training images, and the epoch of
    best validation loss (or accuracy) kept.
    """

    dataset: str | None = option(
        None,
        "; ".join(f"{name}: {about}" for name, about in IMAGE_DATASETS.items()),
        "data",
        required=True,
        choices=sorted(IMAGE_DATASETS),
    )
    patch_size: int | None = option(
        None,
        "patch side P, dividing the image sides (default: 2 for digits, 4 for "
        "the others)",
        "model",
        "[1, inf)",
    )
    warmup_epochs: int = option(
        5,
        "linear warmup before the cosine decay of the learning rate",
        "training",
        "[0, inf)",
    )
    shift: int = option(
        1,
        "augmentation: random shifts of up to this many pixels (0: none)",
        "training",
        "[0, inf)",
    )
    rotation: float = option(
        0.0,
        "augmentation: random rotations of up to this many degrees (0: none)",
        "training",
        "[0, 180]",
    )
    flip: bool = option(
        False, "augmentation: random horizontal flips (not for digits)", "training"
    )
    monitor: str = option(
        "loss",
        "validation quantity that picks the best epoch (loss: finer grained "
        "than the accuracy of a small validation set)",
        "training",
        choices=("loss", "accuracy"),
    )

    def __post_init__(self):
        if self.dataset is None:
            raise ValueError(
                f"`dataset` (--dataset) must be one of {sorted(IMAGE_DATASETS)}. "
                "Received: dataset=None"
            )
        super().__post_init__()
        height, width, _ = IMAGE_SHAPES[self.dataset]
        patch_size = self.patch_size or DEFAULT_PATCH_SIZES[self.dataset]
        if height % patch_size or width % patch_size:
            raise ValueError(
                f"`patch_size` (--patch-size) must divide the {height}x{width} "
                f"images of {self.dataset}. Received: patch_size={patch_size}"
            )

    def split_sources(self):
        """None: the image sets' splits are their own (`load_image_split`
        describes them in the record's `training_data`)."""
        return None


def train(config, command=None):
    """Trains a Vision Transformer; see `applications.common.training`.

    Returns `vit, record`: the trained `VisionTransformer` and its training
    record; both are written to the preset `config.output` when it is set.
    """
    import keras

    from applications.data.augmentation import image_augmentation
    from applications.data.images import load_image_split
    from applications.vision_transformer.backbone import VisionTransformerBackbone

    run = training.TrainingRun(config, command, backbone_cls=VisionTransformerBackbone)
    *splits, label_names, data_description = load_image_split(
        config.dataset, config.test_fraction, config.validation_fraction, config.seed
    )
    train_split, validation, test = splits
    classifier = build_vision_transformer(config, train_split[0].shape[1:], label_names)
    steps = -(-len(train_split[0]) // config.batch_size)
    if config.steps_per_epoch:
        steps = min(steps, config.steps_per_epoch)
    run.describe(
        data_description,
        training.split_sizes(*splits),
        "images",
        f"{config.epochs} epochs of {steps:,} steps of {config.batch_size} images",
    )
    schedule = training.warmup_cosine_schedule(
        config.learning_rate, steps * config.epochs, steps * config.warmup_epochs
    )
    classifier.compile(
        optimizer=keras.optimizers.AdamW(
            learning_rate=schedule, weight_decay=config.weight_decay
        ),
    )
    map_examples, map_batches = image_augmentation(
        config.shift, config.flip, config.rotation, seed=config.seed
    )
    has_validation = len(validation[0]) > 0
    accuracy = "sparse_categorical_accuracy"
    train_data = run.batches(
        train_split, shuffle=True, map_examples=map_examples, map_batches=map_batches
    )
    result = run.fit(
        classifier,
        train_data,
        run.batches(validation) if has_validation else None,
        monitor=("val_" if has_validation else "")
        + ("loss" if config.monitor == "loss" else accuracy),
        mode="min" if config.monitor == "loss" else "max",
    )
    metrics = {}
    if len(test[0]):
        _, test_accuracy = classifier.evaluate(run.batches(test), verbose=0)
        metrics["test_accuracy"] = round(float(test_accuracy), 4)
        metrics["result"] = f"test accuracy {test_accuracy:.1%}"
    if has_validation:
        best = result["best_epoch"] - 1
        metrics["validation_accuracy"] = round(
            float(result["history"][f"val_{accuracy}"][best]), 4
        )
    description = f"Vision Transformer trained on {config.dataset}"
    return run.finish(classifier, splits, description, data_description, **metrics)


def build_vision_transformer(config, image_shape, label_names):
    """An untrained `VisionTransformer` as `config` says, for (H, W, C) images."""
    from applications.vision_transformer.backbone import VisionTransformerBackbone
    from applications.vision_transformer.preprocessor import (
        VisionTransformerImageConverter,
        VisionTransformerPreprocessor,
    )
    from applications.vision_transformer.task import VisionTransformer

    height, width, channels = image_shape
    backbone = VisionTransformerBackbone(
        image_size=(height, width),
        patch_size=config.patch_size or DEFAULT_PATCH_SIZES[config.dataset],
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        num_channels=channels,
        dropout=config.dropout,
    )
    converter = VisionTransformerImageConverter(
        image_size=(height, width), num_channels=channels
    )
    return VisionTransformer(
        backbone,
        label_names=label_names,
        preprocessor=VisionTransformerPreprocessor(converter),
        pooling=config.pooling,
        dropout=config.dropout,
    )

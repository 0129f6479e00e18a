"""Command-line hook of the Vision Transformer: `train vit`, `classify-image`.

    keras-attention train vit --dataset digits --output my_vit
    keras-attention train vit --dataset cifar10 --patch-size 4 --output vit_cifar
    keras-attention classify-image --preset vit_tiny_digits digit.npy photo.png

`train vit` takes one option per field of `VisionTransformerTrainingConfig`
and hands the config to `training.train()`. Nothing here imports Keras
before the command line has chosen the backend.
"""

from applications.cli import command
from applications.cli.options import (
    add_batch_size_argument,
    add_config_arguments,
    add_preset_argument,
    run_training,
)
from applications.vision_transformer.training import VisionTransformerTrainingConfig

PRESETS_MODULE = "applications.vision_transformer.backbone"


def add_train_arguments(parser):
    add_config_arguments(parser, VisionTransformerTrainingConfig)


@command("train", "vit", arguments=add_train_arguments)
def train_vit(args, argv):
    """train a Vision Transformer image classifier and write a preset"""
    from applications.vision_transformer.training import train

    return run_training(VisionTransformerTrainingConfig, train, args, argv)


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
    add_batch_size_argument(parser)


@command("classify-image", arguments=add_classify_arguments)
def classify_image(args, argv):
    """classify images with a Vision Transformer preset"""
    import numpy as np

    from applications.data.images import check_image_file, load_image_file
    from applications.vision_transformer.task import VisionTransformer

    for path in args.files:  # before the (slower) model loading
        check_image_file(path)
    classifier = VisionTransformer.from_preset(args.preset)
    converter = classifier.preprocessor.image_converter
    for path in args.files:
        images, names = load_image_file(
            path, converter.image_size, converter.num_channels
        )
        labels, probabilities = classifier.classify(
            np.asarray(images), batch_size=args.batch_size
        )
        for name, label, row in zip(names, labels, probabilities):
            print(f"{label}\t{row.max():.3f}\t{name}")
    return 0


COMMANDS = [train_vit, classify_image]

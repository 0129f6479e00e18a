"""Command-line hook of the Vision Transformer: `train vit`, `classify-image`,
`evaluate vit`.

    keras-attention train vit --dataset digits --output my_vit
    keras-attention train vit --dataset cifar10 --patch-size 4 --output vit_cifar
    keras-attention classify-image --preset vit_tiny_digits digit.npy photo.png
    keras-attention evaluate vit --preset vit_tiny_digits --dataset digits
    keras-attention evaluate vit --preset my_vit --data images/  # class folders

`train vit` takes one option per field of `VisionTransformerTrainingConfig`
and hands the config to `training.train()`. Nothing here imports Keras
before the command line has chosen the backend.
"""

from applications.cli import command
from applications.cli.evaluation import add_plot_argument, print_classification_report
from applications.cli.options import (
    add_batch_size_argument,
    add_config_arguments,
    add_preset_argument,
    run_training,
)
from applications.common.checks import argument_type
from applications.data.images import IMAGE_DATASETS
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


def add_evaluate_arguments(parser):
    add_preset_argument(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--dataset",
        choices=sorted(IMAGE_DATASETS),
        help="the test split of a data set `train vit --dataset` reads",
    )
    source.add_argument(
        "--data",
        metavar="DIR",
        help="a folder of class sub-folders (DIR/<class>/) of image files or .npy",
    )
    parser.add_argument(
        "--test-fraction",
        type=argument_type(float, "(0, 1)"),
        help="--dataset digits: the share held out (default: the preset's "
        "training record, else 0.2)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="--dataset: the split seed (default: the preset's training "
        "record, else 1337)",
    )
    add_batch_size_argument(parser)
    add_plot_argument(parser)


@command("evaluate", "vit", arguments=add_evaluate_arguments)
def evaluate_vit(args, argv):
    """accuracy, macro-F1 and per-class scores of a Vision Transformer preset"""
    from applications.common.classification_metrics import evaluate_classifier
    from applications.common.presets import load_preset_metadata
    from applications.data.images import load_image_folder
    from applications.vision_transformer.evaluation import held_out_images
    from applications.vision_transformer.task import VisionTransformer

    classifier = VisionTransformer.from_preset(args.preset)
    if args.dataset:
        metadata = load_preset_metadata(args.preset)
        images, labels, data = held_out_images(
            args.dataset, metadata, args.test_fraction, args.seed
        )
    else:
        converter = classifier.preprocessor.image_converter
        images, labels = load_image_folder(
            args.data, converter.image_size, converter.num_channels
        )
        data = args.data
    report = evaluate_classifier(classifier, images, labels, batch_size=args.batch_size)
    return print_classification_report(report, data, args.plot)


COMMANDS = [train_vit, classify_image, evaluate_vit]

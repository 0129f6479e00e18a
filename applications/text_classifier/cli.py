"""Command-line hook of the text classifier: `train classifier`, `classify`,
`evaluate classifier`.

    keras-attention train classifier --data train.tsv --output my_classifier
    keras-attention train classifier --dataset mr --output classifier_tiny_mr
    keras-attention train classifier --preset my_bert --data train.tsv --output out
    keras-attention classify --preset my_classifier "a gorgeous, witty film"
    keras-attention evaluate classifier --preset my_classifier --data test.tsv

The options of `train classifier` are the fields of
`TextClassifierTrainingConfig`; the work is `training.train()`. Keras and
the model classes are imported inside the `run` functions, after the command
line has chosen the backend.
"""

from applications.cli import command
from applications.cli.evaluation import add_plot_argument, print_classification_report
from applications.cli.options import (
    add_batch_size_argument,
    add_config_arguments,
    add_overflow_argument,
    add_preset_argument,
    config_from_arguments,
    run_training,
    texts_from_arguments,
)
from applications.common.checks import argument_type
from applications.text_classifier.training import TextClassifierTrainingConfig

PRESETS_MODULE = "applications.text_classifier.backbone"


def add_train_arguments(parser):
    add_config_arguments(parser, TextClassifierTrainingConfig)
    parser.add_argument(
        "--cross-validate",
        type=argument_type(int, "[2, inf)"),
        metavar="K",
        help="instead of one preset: K-fold cross-validation over all the data "
        "with these options (each fold trains --epochs epochs, no validation "
        "split); --output is then the JSON report of the fold accuracies",
    )


@command("train", "classifier", arguments=add_train_arguments)
def train_classifier(args, argv):
    """train a text classifier and write a preset"""
    from applications.text_classifier import training

    if args.cross_validate is None:
        return run_training(TextClassifierTrainingConfig, training.train, args, argv)
    config = config_from_arguments(TextClassifierTrainingConfig, args)
    try:
        report = training.cross_validate(config, args.cross_validate, command=argv)
    except ValueError as error:
        raise ValueError(f"--cross-validate {args.cross_validate}: {error}") from None
    print(
        f"{args.cross_validate}-fold cross-validation: mean accuracy "
        f"{report['mean_accuracy']:.4f} (std {report['std_accuracy']:.4f}), "
        f"{report['training_wall_time_seconds']:.0f} s; wrote {config.output!r}"
    )
    return 0


def add_classify_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    parser.add_argument("--file", help="also classify each line of this UTF-8 file")
    add_batch_size_argument(parser)
    add_overflow_argument(parser)


@command("classify", arguments=add_classify_arguments)
def classify(args, argv):
    """classify texts with a text classifier preset"""
    from applications.text_classifier.task import TextClassifier

    texts = texts_from_arguments(args.texts, args.file, "classify")
    classifier = TextClassifier.from_preset(args.preset)
    labels, probabilities = classifier.classify(
        texts, batch_size=args.batch_size, on_overflow=args.on_overflow
    )
    for text, label, row in zip(texts, labels, probabilities):
        print(f"{label}\t{row.max():.3f}\t{text}")
    return 0


def add_evaluate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "--data",
        required=True,
        help="TSV of labeled texts, as `train classifier --data` reads it",
    )
    parser.add_argument(
        "--text-column",
        type=int,
        choices=(0, 1),
        default=1,
        help="column of the text: 1 for label<TAB>text (default), 0 for "
        "text<TAB>label (GLUE style)",
    )
    add_batch_size_argument(parser)
    add_overflow_argument(parser)
    add_plot_argument(parser)


@command("evaluate", "classifier", arguments=add_evaluate_arguments)
def evaluate_classifier(args, argv):
    """accuracy, macro-F1 and per-class scores of a text classifier preset"""
    from applications.common.classification_metrics import evaluate_classifier
    from applications.data.text_classification import (
        load_labeled_tsv,
        normalize_numeric_labels,
    )
    from applications.text_classifier.task import TextClassifier

    texts, labels = load_labeled_tsv(args.data, text_column=args.text_column)
    classifier = TextClassifier.from_preset(args.preset)
    report = evaluate_classifier(
        classifier,
        texts,
        normalize_numeric_labels(labels),
        batch_size=args.batch_size,
        on_overflow=args.on_overflow,
    )
    return print_classification_report(report, args.data, args.plot)


COMMANDS = [train_classifier, classify, evaluate_classifier]

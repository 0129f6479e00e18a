"""Command-line hook of the text classifier: `train classifier`, `classify`.

    keras-attention train classifier --data train.tsv --output my_classifier
    keras-attention train classifier --dataset mr --output classifier_tiny_mr
    keras-attention classify --preset my_classifier "a gorgeous, witty film"

Keras and the model classes are imported inside the `run` functions, after
the command line has chosen the backend.
"""

import os
from pathlib import Path

from applications.cli import Command
from applications.cli_arguments import (
    add_preset_argument,
    add_run_arguments,
    texts_from_arguments,
)

PRESETS_MODULE = "applications.text_classifier.backbone"

DATASETS = ("mr",)
_REPO_ROOT = Path(__file__).resolve().parents[2]


def default_mr_directory():
    """`../shared/data/classification` (from the working directory or the
    repository) if it holds the MR files, else None (download)."""
    for base in (Path.cwd(), _REPO_ROOT):
        candidate = (base / ".." / "shared" / "data" / "classification").resolve()
        if (candidate / "rt-polarity.pos").is_file():
            return candidate
    return None


def _shown_path(path):
    """`path` relative to the working directory when that is shorter."""
    relative = os.path.relpath(path)
    return relative if len(relative) < len(str(path)) else str(path)


def add_train_arguments(parser):
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--data",
        help="TSV of labeled texts: label<TAB>text by default (see --text-column)",
    )
    source.add_argument(
        "--dataset",
        choices=DATASETS,
        help="a known data set: mr (movie-review polarity, Pang & Lee 2005)",
    )
    parser.add_argument(
        "--text-column",
        type=int,
        choices=(0, 1),
        default=1,
        help="column of the text in --data: 1 for label<TAB>text (default), "
        "0 for text<TAB>label (GLUE style)",
    )
    parser.add_argument(
        "--data-dir",
        help="directory of rt-polarity.pos/.neg for --dataset mr (default: "
        "../shared/data/classification if present, else download)",
    )
    parser.add_argument("--output", required=True, help="preset directory to write")
    parser.add_argument("--description", help="description kept in the preset")
    model = parser.add_argument_group("model")
    model.add_argument("--vocabulary-size", type=int, default=8000)
    model.add_argument(
        "--vocabulary-type",
        choices=("wordpiece", "word"),
        default="wordpiece",
        help="WordPiece subwords, or whole words with rare ones as [UNK]",
    )
    model.add_argument("--sequence-length", type=int, default=64)
    model.add_argument("--num-layers", type=int, default=1)
    model.add_argument("--num-heads", type=int, default=4)
    model.add_argument("--hidden-dim", type=int, default=128)
    model.add_argument("--intermediate-dim", type=int, default=256)
    model.add_argument("--dropout", type=float, default=0.1)
    model.add_argument(
        "--token-dropout",
        type=float,
        default=0.0,
        help="rate of dropping whole token vectors during training",
    )
    model.add_argument("--pooling", choices=("mean", "cls"), default="mean")
    model.add_argument(
        "--position", choices=("learned", "sinusoidal"), default="learned"
    )
    model.add_argument(
        "--normalize-first",
        action="store_true",
        help="pre-LN encoder blocks (default: the paper's post-LN)",
    )
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=int, default=10)
    training.add_argument("--batch-size", type=int, default=32)
    training.add_argument("--learning-rate", type=float, default=1e-3)
    training.add_argument("--weight-decay", type=float, default=0.0)
    training.add_argument(
        "--patience",
        type=int,
        default=3,
        help="stop after this many epochs without a better validation accuracy "
        "(ignored without a validation split)",
    )
    training.add_argument(
        "--validation-fraction",
        type=float,
        default=0.1,
        help="share of the data used to pick the best epoch (0: none; train "
        "all --epochs and keep the last weights)",
    )
    training.add_argument(
        "--test-fraction",
        type=float,
        default=0.1,
        help="share of the data held out to measure accuracy (0: none)",
    )
    training.add_argument(
        "--teacher",
        choices=("none", "naive-bayes"),
        default="none",
        help="distill from a teacher's out-of-fold probabilities: naive-bayes, "
        "an NB-weighted logistic regression on word uni+bigrams (NBSVM)",
    )
    training.add_argument(
        "--teacher-weight",
        type=float,
        default=0.5,
        help="share of the teacher's probabilities in the training targets "
        "(the rest is the one-hot label)",
    )
    training.add_argument(
        "--cross-validate",
        type=int,
        metavar="K",
        help="instead of one preset: K-fold cross-validation over all the data "
        "with these options (each fold trains --epochs epochs, no validation "
        "split); --output is then the JSON report of the fold accuracies",
    )
    add_run_arguments(training)


def _load_examples(args):
    from applications.data import text_classification

    if args.dataset == "mr":
        data_dir = args.data_dir or default_mr_directory()
        texts, labels = text_classification.load_movie_review_polarity(data_dir)
        description = (
            "MR sentence polarity v1.0 (Pang & Lee 2005), "
            f"{len(texts)} sentences from "
            + (_shown_path(data_dir) if data_dir else text_classification.MR_URL)
        )
        return texts, labels, description
    texts, labels = text_classification.load_labeled_tsv(
        args.data, text_column=args.text_column
    )
    return texts, labels, f"{args.data} ({len(texts)} labeled texts)"


def run_train(args, argv):
    import keras

    from applications import training
    from applications.data.splits import split_arrays
    from applications.data.text_classification import encode_labels

    if not 0.0 <= args.teacher_weight <= 1.0:
        raise ValueError(
            "--teacher-weight must be in [0, 1]. "
            f"Received: --teacher-weight {args.teacher_weight}"
        )
    if args.cross_validate is not None:
        return run_cross_validation(args, argv)
    keras.utils.set_random_seed(args.seed)
    with training.Stopwatch() as watch:
        texts, labels, data_description = _load_examples(args)
        label_ids, label_names = encode_labels(labels)
        train, validation, test = split_arrays(
            texts,
            label_ids,
            validation_fraction=args.validation_fraction,
            test_fraction=args.test_fraction,
            seed=args.seed,
        )
        classifier, result = _build_and_fit(args, train, validation, label_names)
    has_validation = len(validation[0]) > 0
    metrics = {}
    if len(test[0]):
        accuracy = _accuracy(classifier, *test, args.batch_size)
        metrics["held_out_accuracy"] = round(accuracy, 4)
    if has_validation:
        metrics["validation_accuracy"] = round(result["best_value"], 4)
    record = training.training_record(
        argv,
        watch.seconds,
        description=args.description
        or f"Transformer text classifier over {', '.join(label_names)}",
        training_data=data_description,
        split_sizes=training.split_sizes(train, validation, test),
        split_seed=args.seed,
        split_fractions={
            "validation": args.validation_fraction,
            "test": args.test_fraction,
        },
        epochs_run=result["epochs_run"],
        best_epoch=result["best_epoch"],
        **metrics,
    )
    if "held_out_accuracy" in metrics:
        record["result"] = f"accuracy {metrics['held_out_accuracy']:.1%} (held-out)"
    details = [f"{len(label_names)} classes"]
    details += [f"{key} {value}" for key, value in metrics.items()]
    training.save_trained_preset(
        classifier, args.output, record, result, details, watch.seconds
    )
    return 0


def _build_and_fit(args, train, validation, label_names):
    """The classifier `args` describe, trained on `train` (texts, label ids).

    With a validation split, keeps the epoch of best validation accuracy;
    without one, trains all `--epochs` and keeps the last weights.

    Returns:
        `(classifier, result)`: the trained `TextClassifier` and
        `fit_with_best_checkpoint()`'s dict (`best_epoch`, `epochs_run`, ...).
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from applications import training
    from applications.text_classifier.backbone import TextClassifierBackbone
    from applications.text_classifier.preprocessor import TextClassifierPreprocessor
    from applications.text_classifier.task import TextClassifier
    from applications.text_classifier.teacher import naive_bayes_teacher_probabilities
    from applications.text_classifier.tokenizer import TextClassifierTokenizer

    tokenizer = TextClassifierTokenizer.from_texts(
        train[0],
        vocabulary_size=args.vocabulary_size,
        vocabulary_type=args.vocabulary_type,
    )
    backbone = TextClassifierBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        num_layers=args.num_layers,
        num_heads=args.num_heads,
        hidden_dim=args.hidden_dim,
        intermediate_dim=args.intermediate_dim,
        max_sequence_length=args.sequence_length,
        dropout=args.dropout,
        token_dropout=args.token_dropout,
        position=args.position,
        normalize_first=args.normalize_first,
    )
    classifier = TextClassifier(
        backbone,
        label_names=label_names,
        preprocessor=TextClassifierPreprocessor(
            tokenizer, sequence_length=args.sequence_length
        ),
        pooling=args.pooling,
        dropout=args.dropout,
    )
    optimizer = keras.optimizers.AdamW(
        learning_rate=args.learning_rate, weight_decay=args.weight_decay
    )
    accuracy = "sparse_categorical_accuracy"
    if args.teacher == "naive-bayes":
        # Soft targets: a mix of one-hot labels and the teacher's
        # out-of-fold probabilities (knowledge distillation).
        teacher = naive_bayes_teacher_probabilities(
            list(train[0]), train[1], len(label_names)
        )
        train, validation = (
            (inputs, keras.utils.to_categorical(ids, len(label_names)))
            for inputs, ids in (train, validation)
        )
        weight = args.teacher_weight
        train = (train[0], (1 - weight) * train[1] + weight * teacher)
        accuracy = "categorical_accuracy"
        classifier.compile(
            optimizer=optimizer,
            loss=keras.losses.CategoricalCrossentropy(),
            metrics=[keras.metrics.CategoricalAccuracy(name=accuracy)],
        )
    else:
        classifier.compile(optimizer=optimizer)

    def batches(split, shuffle):
        dataset = tf.data.Dataset.from_tensor_slices(
            (list(split[0]), np.asarray(split[1]))
        )
        if shuffle:
            dataset = dataset.shuffle(len(split[0]), seed=args.seed)
        return dataset.batch(args.batch_size)

    if len(validation[0]):
        result = training.fit_with_best_checkpoint(
            classifier,
            batches(train, shuffle=True),
            validation_data=batches(validation, False),
            epochs=args.epochs,
            checkpoint_path=args.checkpoint
            or training.default_checkpoint_path(args.output),
            monitor=f"val_{accuracy}",
            mode="max",
            patience=args.patience,
            steps_per_epoch=args.steps_per_epoch,
            verbose=args.verbose,
        )
    else:
        # No validation split: train all epochs and keep the last weights
        # (e.g. on all non-test data, for an epoch count found by
        # validation beforehand).
        history = classifier.fit(
            batches(train, shuffle=True),
            epochs=args.epochs,
            steps_per_epoch=args.steps_per_epoch,
            verbose=args.verbose,
            shuffle=False,
        ).history
        epochs_run = len(history["loss"])
        result = {"best_epoch": epochs_run, "epochs_run": epochs_run}
    return classifier, result


def _accuracy(classifier, texts, label_ids, batch_size):
    """Share of `texts` whose most probable class is their label id."""
    import numpy as np

    probabilities = classifier.predict(list(texts), batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(probabilities, axis=-1) == np.asarray(label_ids)))


def run_cross_validation(args, argv):
    """`--cross-validate K`: K-fold cross-validation over all the data.

    The protocol papers on MR report (Kim 2014: 10-fold): the data, shuffled
    with `--seed`, is cut into K folds; K classifiers with the same options
    each train on K-1 folds for `--epochs` epochs (no validation split, last
    weights) and are scored on the remaining fold. Writes no preset: the
    per-fold and mean accuracies go to `--output` as JSON.
    """
    import json

    import keras
    import numpy as np

    from applications import training
    from applications.data.splits import fold_assignments
    from applications.data.text_classification import encode_labels

    folds = args.cross_validate
    texts, labels, data_description = _load_examples(args)
    label_ids, label_names = encode_labels(labels)
    label_ids = np.asarray(label_ids)
    try:
        fold_of = fold_assignments(len(texts), folds, seed=args.seed)
    except ValueError as error:  # the valid range is the helper's to decide
        raise ValueError(f"--cross-validate {folds}: {error}") from None
    accuracies = []
    with training.Stopwatch() as watch:
        for fold in range(folds):
            keras.utils.set_random_seed(args.seed + fold)
            train_rows = np.flatnonzero(fold_of != fold)
            test_rows = np.flatnonzero(fold_of == fold)
            train = ([texts[i] for i in train_rows], label_ids[train_rows])
            classifier, _ = _build_and_fit(args, train, ([], []), label_names)
            accuracy = _accuracy(
                classifier,
                [texts[i] for i in test_rows],
                label_ids[test_rows],
                args.batch_size,
            )
            accuracies.append(round(accuracy, 4))
            print(f"fold {fold + 1}/{folds}: accuracy {accuracy:.4f}", flush=True)
    report = training.training_record(
        argv,
        watch.seconds,
        training_data=data_description,
        cross_validation_folds=folds,
        fold_accuracies=accuracies,
        mean_accuracy=round(float(np.mean(accuracies)), 4),
        std_accuracy=round(float(np.std(accuracies)), 4),
    )
    with open(args.output, "w", encoding="utf-8") as file:
        json.dump(report, file, indent=2)
    print(
        f"{folds}-fold cross-validation: mean accuracy {report['mean_accuracy']:.4f} "
        f"(std {report['std_accuracy']:.4f}), {watch.seconds:.0f} s; wrote "
        f"{args.output!r}"
    )
    return 0


def add_classify_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    parser.add_argument("--file", help="also classify each line of this UTF-8 file")
    parser.add_argument("--batch-size", type=int, default=32)


def run_classify(args, argv):
    from applications.text_classifier.task import TextClassifier

    texts = texts_from_arguments(args.texts, args.file, "classify")
    classifier = TextClassifier.from_preset(args.preset)
    labels, probabilities = classifier.classify(texts, batch_size=args.batch_size)
    for text, label, row in zip(texts, labels, probabilities):
        print(f"{label}\t{row.max():.3f}\t{text}")
    return 0


COMMANDS = [
    Command(
        path=("train", "classifier"),
        help="train a text classifier and write a preset",
        add_arguments=add_train_arguments,
        run=run_train,
    ),
    Command(
        path=("classify",),
        help="classify texts with a text classifier preset",
        add_arguments=add_classify_arguments,
        run=run_classify,
    ),
]

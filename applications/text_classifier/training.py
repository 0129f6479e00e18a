"""Training recipe of the text classifier: a typed config and `train(config)`.

    from applications.text_classifier.training import (
        TextClassifierTrainingConfig, cross_validate, train)

    classifier, record = train(TextClassifierTrainingConfig(
        dataset="mr", epochs=3, output="my_classifier"))
    report = cross_validate(TextClassifierTrainingConfig(dataset="mr"), 10)

`keras-attention train classifier` maps its options onto the config.
"""

import dataclasses

from applications.common import training
from applications.common.config import (
    ClassificationTrainingConfig,
    flag,
    given_split_option,
    option,
    training_config,
)

DATASETS = ("mr",)
# The model options a `--preset` sets (its architecture and vocabulary).
PRESET_MODEL_OPTIONS = (
    "num_layers", "num_heads", "hidden_dim", "intermediate_dim",
    "vocabulary_size", "vocabulary_type", "token_dropout", "position",
    "normalize_first", "pooling",
)  # fmt: skip


@training_config(
    num_layers=1,
    intermediate_dim=256,
    pooling="mean",
    patience=3,
    validation_fraction=option(
        0.1,
        "share of the data used to pick the best epoch (0: none; train all "
        "--epochs and keep the last weights)",
        "split",
        "[0, 1)",
    ),
)
class TextClassifierTrainingConfig(ClassificationTrainingConfig):
    """How to train a `TextClassifier` from scratch (see `option` helps).

    Give `data` (a labeled TSV) or `dataset` (`"mr"`). The data are split at
    random with `seed` into train / validation / test; with a validation
    split the epoch of best validation accuracy is kept (early stopping
    after `patience` epochs), without one (`validation_fraction=0`) all
    `epochs` are trained and the last weights kept.

    With `preset` (a BERT masked-LM preset), its pretrained encoder and
    tokenizer are fine-tuned under a new head (`TextClassifier.from_preset`),
    the encoder frozen (`freeze_encoder`) or at a smaller learning rate
    (`encoder_learning_rate_multiplier`).
    """

    data: str | None = option(
        None,
        "TSV of labeled texts: label<TAB>text by default (see --text-column)",
        "data",
        exclusive="source",
        required=True,
    )
    dataset: str | None = option(
        None,
        "a known data set: mr (movie-review polarity, Pang & Lee 2005)",
        "data",
        exclusive="source",
        required=True,
        choices=DATASETS,
    )
    preset: str | None = option(
        None,
        "fine-tune a pretrained encoder: a BERT masked-LM preset (e.g. written "
        "by `train mlm`), whose backbone and tokenizer are kept under a new "
        "head for the data's classes; the model options but --sequence-length "
        "and --dropout come from the preset",
    )
    validation_data: str | None = given_split_option("validation")
    test_data: str | None = given_split_option("test")
    text_column: int = option(
        1,
        "column of the text in --data: 1 for label<TAB>text, 0 for "
        "text<TAB>label (GLUE style)",
        "data",
        choices=(0, 1),
    )
    data_dir: str | None = option(
        None,
        "directory of rt-polarity.pos/.neg for --dataset mr (default: "
        "../shared/data/classification if present, else download)",
        "data",
    )
    vocabulary_size: int = option(
        8000,
        "the largest vocabulary (more than its 4 reserved tokens)",
        "model",
        "[5, inf)",
    )
    vocabulary_type: str = option(
        "bpe",
        "SentencePiece bpe or unigram subwords with byte fallback (lossless, no "
        "[UNK]); or lowercased WordPiece subwords, or whole words with rare "
        "ones as [UNK] (presets before 2026-11-30)",
        "model",
        choices=("bpe", "unigram", "wordpiece", "word"),
    )
    sequence_length: int = option(
        64, "tokens per text, [CLS] and [SEP] included", "model", "[3, inf)"
    )
    token_dropout: float = option(
        0.0, "rate of dropping whole token vectors during training", "model", "[0, 1)"
    )
    position: str = option(
        "learned", "position encoding", "model", choices=("learned", "sinusoidal")
    )
    normalize_first: bool = option(
        False, "pre-LN encoder blocks (default: the paper's post-LN)", "model"
    )
    freeze_encoder: bool = option(
        False,
        "with --preset: train the new head only (BERT's pooler, which "
        "masked-LM pretraining leaves untrained, trains with the head)",
        "training",
    )
    encoder_learning_rate_multiplier: float = option(
        1.0,
        "with --preset: the pretrained encoder trains at this times "
        "--learning-rate (e.g. 0.1), the new head at --learning-rate",
        "training",
        "(0, inf)",
    )
    teacher: str = option(
        "none",
        "distill from a teacher's out-of-fold probabilities: naive-bayes, an "
        "NB-weighted logistic regression on word uni+bigrams (NBSVM)",
        "training",
        choices=("none", "naive-bayes"),
    )
    teacher_weight: float = option(
        0.5,
        "share of the teacher's probabilities in the training targets (the "
        "rest is the one-hot label)",
        "training",
        "[0, 1]",
    )

    def __post_init__(self):
        super().__post_init__()
        if (self.data is None) == (self.dataset is None):
            raise ValueError(
                "Give one of `data` (--data, a labeled TSV) and `dataset` "
                f"(--dataset). Received: data={self.data!r}, "
                f"dataset={self.dataset!r}"
            )
        if self.preset is None:
            if self.freeze_encoder or self.encoder_learning_rate_multiplier != 1.0:
                raise ValueError(
                    "`freeze_encoder` (--freeze-encoder) and "
                    "`encoder_learning_rate_multiplier` "
                    "(--encoder-learning-rate-multiplier) apply to a pretrained "
                    "encoder: give `preset` (--preset). Received: preset=None"
                )
            return
        if self.freeze_encoder and self.encoder_learning_rate_multiplier != 1.0:
            raise ValueError(
                "`encoder_learning_rate_multiplier` "
                "(--encoder-learning-rate-multiplier) has no effect with "
                "`freeze_encoder` (--freeze-encoder): the encoder does not train. "
                "Received: encoder_learning_rate_multiplier="
                f"{self.encoder_learning_rate_multiplier}"
            )
        defaults = {field.name: field.default for field in dataclasses.fields(self)}
        changed = [
            f"{flag(name)} {getattr(self, name)!r}"
            for name in PRESET_MODEL_OPTIONS
            if getattr(self, name) != defaults[name]
        ]
        if changed:
            raise ValueError(
                f"With `preset` (--preset) the model comes from the preset; "
                f"received model options: {', '.join(changed)}. Only "
                "--sequence-length and --dropout apply to a fine-tuned model."
            )


def _backbone_cls(config):
    """The backbone class `config` trains (whose layout map shards it):
    `TextClassifierBackbone`, or the preset's, e.g. `BertBackbone` for a
    BERT masked-LM preset (also by its built-in name)."""
    from applications.common.presets import preset_config
    from applications.text_classifier.backbone import TextClassifierBackbone
    from applications.text_classifier.task import resolve_classifier_preset

    if config.preset is None:
        return TextClassifierBackbone
    preset = resolve_classifier_preset(config.preset)
    return preset_config(preset)[0] or TextClassifierBackbone


def train(config, command=None):
    """`classifier, record = train(config)`: a `TextClassifier` trained as
    `config` says, and its record, both written to `config.output` when set
    (`command`, the command line, is kept in the record)."""
    from applications.data.splits import split_arrays
    from applications.data.text_classification import encode_labels

    run = training.TrainingRun(config, command, backbone_cls=_backbone_cls(config))
    texts, labels, data_description = load_examples(config)
    label_ids, label_names = encode_labels(labels)
    options = config.split_options()
    splits = split_arrays(texts, label_ids, **options)
    splits = training.with_given_splits(
        config, splits, lambda path: load_labeled_split(config, path, label_names)
    )
    train_split, validation, test = splits
    run.describe(data_description, training.split_sizes(*splits), "texts")
    classifier, result = build_and_fit(run, train_split, validation, label_names)
    metrics = {}
    if len(test[0]):
        accuracy = classification_accuracy(classifier, *test, config.batch_size)
        metrics["held_out_accuracy"] = round(accuracy, 4)
        metrics["result"] = f"accuracy {accuracy:.1%} (held-out)"
    if len(validation[0]):
        metrics["validation_accuracy"] = round(result["best_value"], 4)
    fractions = {s: options[f"{s}_fraction"] for s in ("validation", "test")}
    description = f"Transformer text classifier over {', '.join(label_names)}"
    if config.preset is not None:
        metrics["fine_tuned_from"] = fine_tuned_from(config.preset)
        description = (
            f"{type(classifier).__name__} over {', '.join(label_names)}, "
            f"fine-tuned from {config.preset}"
        )
    return run.finish(
        classifier,
        splits,
        description,
        data_description,
        split_fractions=fractions,
        **metrics,
    )


def fine_tuned_from(preset):
    """What the record says of the preset a classifier was fine-tuned from:
    `{"preset", "task", "description"}` (those its metadata has)."""
    from applications.common.presets import load_preset_metadata

    metadata = load_preset_metadata(preset)
    return {
        "preset": str(preset),
        **{key: metadata[key] for key in ("task", "description") if key in metadata},
    }


def load_examples(config):
    """The texts, labels and a description of the data `config` names."""
    from applications.data import text_classification
    from applications.data.shared import shown

    if config.dataset == "mr":
        data_dir = config.data_dir or text_classification.default_mr_directory()
        texts, labels = text_classification.load_movie_review_polarity(data_dir)
        description = (
            "MR sentence polarity v1.0 (Pang & Lee 2005), "
            f"{len(texts)} sentences from "
            + (shown(data_dir) if data_dir else text_classification.MR_URL)
        )
        return texts, labels, description
    texts, labels = text_classification.load_labeled_tsv(
        config.data, text_column=config.text_column
    )
    return texts, labels, f"{config.data} ({len(texts)} labeled texts)"


def non_test_texts(dataset, seed):
    """The texts of `train classifier --dataset DATASET --seed SEED` outside
    its held-out test split (the classifier's default test fraction): its
    training and validation texts, e.g. for pretraining an encoder that
    will be fine-tuned and tested on that split, without its test texts.

    Returns:
        `(texts, description)`.

    Raises:
        ValueError: for a dataset other than `DATASETS`.
    """
    from applications.data.splits import split_indices

    if dataset not in DATASETS:
        raise ValueError(f"Unknown classifier dataset {dataset!r}; known: {DATASETS}.")
    config = TextClassifierTrainingConfig(dataset=dataset, seed=seed)
    texts, _, description = load_examples(config)
    train, validation, test = split_indices(
        len(texts), 0.0, config.test_fraction, seed=seed
    )
    kept = [texts[i] for i in train]
    return kept, (
        f"{description}, the {len(kept):,} outside the held-out test split "
        f"({len(test):,}, seed {seed})"
    )


def load_labeled_split(config, path, label_names):
    """A validation or test file (a TSV in `--data`'s column order) as
    `(texts, label ids)` of the training data's classes.

    Raises:
        ValueError: for a label the training data does not have, naming
            the file and the known classes.
    """
    from applications.data import text_classification

    texts, labels = text_classification.load_labeled_tsv(
        path, text_column=config.text_column
    )
    try:
        label_ids, _ = text_classification.encode_labels(labels, label_names)
    except ValueError as error:
        message = str(error).rstrip(".")
        raise ValueError(f"{path}: {message} of the training data.") from None
    return texts, label_ids


def build_classifier(config, texts, label_names):
    """An untrained `TextClassifier` as `config` says, its vocabulary
    learned from `texts`; with `config.preset`, the preset's pretrained
    encoder and tokenizer under a new head (see `TextClassifier.from_preset`)."""
    from applications.text_classifier.backbone import TextClassifierBackbone
    from applications.text_classifier.preprocessor import TextClassifierPreprocessor
    from applications.text_classifier.task import TextClassifier
    from applications.text_classifier.tokenizer import learn_text_classifier_tokenizer

    if config.preset is not None:
        return TextClassifier.from_preset(
            config.preset,
            label_names=label_names,
            sequence_length=config.sequence_length,
            dropout=config.dropout,
        )
    tokenizer = learn_text_classifier_tokenizer(
        texts, config.vocabulary_size, config.vocabulary_type
    )
    backbone = TextClassifierBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        max_sequence_length=config.sequence_length,
        dropout=config.dropout,
        token_dropout=config.token_dropout,
        position=config.position,
        normalize_first=config.normalize_first,
    )
    return TextClassifier(
        backbone,
        label_names=label_names,
        preprocessor=TextClassifierPreprocessor(
            tokenizer, sequence_length=config.sequence_length
        ),
        pooling=config.pooling,
        dropout=config.dropout,
    )


def build_and_fit(run, train_split, validation, label_names):
    """The classifier `run.config` describes, trained on `train_split`.

    Args:
        run: a `TrainingRun` of a `TextClassifierTrainingConfig`.
        train_split: `(texts, label_ids)`.
        validation: `(texts, label_ids)`, possibly empty.
        label_names: the class names.

    With a validation split, keeps the epoch of best validation accuracy;
    without one, trains all `epochs` and keeps the last weights.

    Returns:
        `(classifier, result)`: the trained `TextClassifier` and `fit()`'s
        dict (`best_epoch`, `epochs_run`, ...).
    """
    import keras

    from applications.text_classifier.teacher import naive_bayes_teacher_probabilities

    config = run.config
    classifier = build_classifier(config, train_split[0], label_names)
    optimizer = fine_tuning_optimizer(classifier, config)
    accuracy = "sparse_categorical_accuracy"
    if config.teacher == "naive-bayes":
        # Soft targets: a mix of one-hot labels and the teacher's
        # out-of-fold probabilities (knowledge distillation).
        teacher = naive_bayes_teacher_probabilities(
            list(train_split[0]), train_split[1], len(label_names)
        )
        train_split, validation = (
            (inputs, keras.utils.to_categorical(ids, len(label_names)))
            for inputs, ids in (train_split, validation)
        )
        weight = config.teacher_weight
        train_split = (
            train_split[0],
            (1 - weight) * train_split[1] + weight * teacher,
        )
        accuracy = "categorical_accuracy"
        classifier.compile(
            optimizer=optimizer,
            loss=keras.losses.CategoricalCrossentropy(),
            metrics=[keras.metrics.CategoricalAccuracy(name=accuracy)],
        )
    else:
        classifier.compile(optimizer=optimizer)
    has_validation = len(validation[0]) > 0
    result = run.fit(
        classifier,
        run.batches(train_split, shuffle=True),
        run.batches(validation) if has_validation else None,
        monitor=f"val_{accuracy}" if has_validation else None,
        mode="max",
    )
    return classifier, result


def encoder_layers(classifier):
    """The layers of a classifier's pretrained encoder: its backbone's, but
    BERT's pooler (dense + tanh on `[CLS]`), which masked-LM pretraining
    leaves untrained and which trains with the new head."""
    pooler = getattr(classifier.backbone, "pooled_dense", None)
    return [layer for layer in classifier.backbone.layers if layer is not pooler]


def fine_tuning_optimizer(classifier, config):
    """The AdamW optimizer `config` asks for (learning rate, weight decay).

    With `config.preset`: `freeze_encoder` makes the encoder's layers
    (`encoder_layers`) untrainable, so that only the head trains;
    `encoder_learning_rate_multiplier` trains the encoder's variables at
    that times the learning rate (see
    `applications.common.learning_rate_multiplier`).
    """
    import keras

    from applications.common.learning_rate_multiplier import (
        optimizer_with_learning_rate_multiplier,
    )

    arguments = {
        "learning_rate": config.learning_rate,
        "weight_decay": config.weight_decay,
    }
    if config.preset is None:
        return keras.optimizers.AdamW(**arguments)
    layers = encoder_layers(classifier)
    if config.freeze_encoder:
        for layer in layers:
            layer.trainable = False
    if config.encoder_learning_rate_multiplier == 1.0:
        return keras.optimizers.AdamW(**arguments)
    return optimizer_with_learning_rate_multiplier(
        keras.optimizers.AdamW,
        [v for layer in layers for v in layer.trainable_variables],
        config.encoder_learning_rate_multiplier,
        **arguments,
    )


def classification_accuracy(classifier, texts, label_ids, batch_size=32):
    """Share of `texts` whose most probable class is their label id."""
    import numpy as np

    probabilities = classifier.predict(list(texts), batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(probabilities, axis=-1) == np.asarray(label_ids)))


def cross_validate(config, num_folds, command=None):
    """K-fold cross-validation of the recipe over all the data.

    The protocol papers on MR report (Kim 2014: 10-fold): the data, shuffled
    with `config.seed`, is cut into K folds (`fold_assignments`); K
    classifiers with the same options each train on K-1 folds for
    `config.epochs` epochs (no validation split, last weights) and are
    scored on the remaining fold. Writes no preset: the report goes to
    `config.output` as JSON when it is set.

    Args:
        config: a `TextClassifierTrainingConfig` (its split fractions are
            not used).
        num_folds: K.
        command: the command-line arguments, kept in the report.

    Returns:
        dict: the report (`fold_accuracies`, `mean_accuracy`,
        `std_accuracy`, the training record's fields).

    Raises:
        ValueError: for K outside [2, number of examples].
    """
    import numpy as np

    from applications.common.files import check_output_file, write_json
    from applications.data.splits import fold_assignments
    from applications.data.text_classification import encode_labels

    if config.output is not None:  # before the folds train
        check_output_file(config.output, overwrite=config.overwrite)
    texts, labels, data_description = load_examples(config)
    label_ids, label_names = encode_labels(labels)
    label_ids = np.asarray(label_ids)
    fold_of = fold_assignments(len(texts), num_folds, seed=config.seed)
    backbone_cls = _backbone_cls(config)  # one preset lookup for all folds
    accuracies = []
    with training.Stopwatch() as watch:
        for fold in range(num_folds):
            run = training.TrainingRun(
                config,
                command,
                seed=config.seed + fold,
                backbone_cls=backbone_cls,
                resumable=False,  # `output` is the report, not a preset
            )
            train_rows = np.flatnonzero(fold_of != fold)
            test_rows = np.flatnonzero(fold_of == fold)
            train_split = ([texts[i] for i in train_rows], label_ids[train_rows])
            classifier, _ = build_and_fit(run, train_split, ([], []), label_names)
            accuracy = classification_accuracy(
                classifier,
                [texts[i] for i in test_rows],
                label_ids[test_rows],
                config.batch_size,
            )
            run.close()
            accuracies.append(round(accuracy, 4))
            if config.verbose:
                print(
                    f"fold {fold + 1}/{num_folds}: accuracy {accuracy:.4f}", flush=True
                )
    report = training.training_record(
        config,
        command,
        watch.seconds,
        training_data=data_description,
        cross_validation_folds=num_folds,
        fold_accuracies=accuracies,
        mean_accuracy=round(float(np.mean(accuracies)), 4),
        std_accuracy=round(float(np.std(accuracies)), 4),
    )
    if config.output is not None:
        write_json(config.output, report)
    return report

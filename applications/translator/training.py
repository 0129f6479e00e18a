"""Training recipe of the translator: a typed config and `train(config)`.

    from applications.translator.training import TranslatorTrainingConfig, train

    translator, record = train(TranslatorTrainingConfig(
        data="eng-cmn.tsv", epochs=10, output="my_translator"))

`keras-attention train translator` maps its options onto the config. With
`preset`, a trained preset is fine-tuned with its vocabularies, and an
architecture preset (e.g. `transformer_base`) gives the model configuration
while the vocabularies are learned from the data.
"""

import json
from pathlib import Path

from applications.common import training
from applications.common.config import (
    TransformerTrainingConfig,
    flag,
    given_split_option,
    option,
    training_config,
)

ARCHITECTURES = ("transformer", "rnn_attention")
# The tokenizers of `--tokenizer` (`learn_translator_tokenizer`).
TOKENIZER_TYPES = ("bpe", "unigram", "char", "wordpiece")
# The backbone config entries an architecture preset sets.
_ARCHITECTURE_KEYS = (
    "architecture", "num_layers", "num_heads", "hidden_dim", "intermediate_dim",
    "max_sequence_length", "dropout", "position", "tie_embeddings",
    "normalize_first", "layer_norm_epsilon", "vocabulary_size",
    "source_vocabulary_size", "attention_dropout", "activation_dropout",
    "embeddings_initializer", "scale_embeddings",
)  # fmt: skip
# The options that the "rnn_attention" architecture does not have.
_TRANSFORMER_ONLY = ("activation_dropout", "scale_embeddings")


@training_config(
    num_layers=option(
        2, "encoder and decoder layers (blocks, or GRU layers)", "model", "[1, inf)"
    ),
    batch_size=64,
    patience=3,
    validation_fraction=option(
        0.05,
        "share of the distinct source sentences used to pick the best epoch",
        "split",
        "[0, 1)",
    ),
    test_fraction=option(
        0.1,
        "share of the distinct source sentences held out for BLEU/chrF (0: none)",
        "split",
        "[0, 1)",
    ),
)
class TranslatorTrainingConfig(TransformerTrainingConfig):
    """How to train a `Translator` (see `option` helps).

    Adam with gradient clipping, a linear warmup and cosine decay of the
    learning rate, teacher forcing (cross-entropy, label-smoothed with
    `label_smoothing`), and the epoch of best validation loss kept, or the
    average of the last `average_checkpoints` epochs if it does no worse;
    the held-out test pairs are scored with BLEU and chrF (greedy).
    """

    data: str | None = option(
        None,
        "Tatoeba/Anki TSV: source<TAB>target[<TAB>attribution] per line",
        "data",
        required=True,
    )
    validation_data: str | None = given_split_option("validation")
    test_data: str | None = given_split_option("test")
    preset: str | None = option(
        None,
        "start from this preset: a trained one is fine-tuned with its "
        "vocabularies; an architecture preset (e.g. transformer_base) gives the "
        "model configuration and vocabularies are learned from --data",
    )
    reverse: bool = option(False, "translate column 2 into column 1", "data")
    max_pairs: int | None = option(
        None,
        "train on a random sample of N pairs of --data (drawn with --seed; "
        "Tatoeba files are sorted by length, so the first N would be the "
        "shortest)",
        "data",
        "[1, inf)",
    )
    test_output: str | None = option(
        None, "also write the held-out test pairs to this TSV (for `evaluate`)", "data"
    )
    validation_output: str | None = option(
        None,
        "also write the validation pairs to this TSV (for `evaluate`)",
        "data",
    )
    architecture: str = option(
        "transformer", "encoder-decoder", "model", choices=ARCHITECTURES
    )
    source_vocabulary_size: int = option(
        6000, "the largest source vocabulary", "model", "[5, inf)"
    )
    target_vocabulary_size: int = option(
        4000, "the largest target vocabulary", "model", "[5, inf)"
    )
    tokenizer: str = option(
        "bpe",
        "SentencePiece bpe, unigram or char (one token per character) with byte "
        "fallback (lossless, no [UNK]), or wordpiece (lowercased source; "
        "presets before 2026-11-30)",
        "model",
        choices=TOKENIZER_TYPES,
    )
    target_tokenizer: str | None = option(
        None,
        "the target side's tokenizer (default: char for targets written mostly "
        "in Han characters or kana, as Chinese and Japanese, else --tokenizer)",
        "model",
        choices=TOKENIZER_TYPES,
    )
    shared_vocabulary: bool = option(
        False,
        "one vocabulary (of --target-vocabulary-size) and embedding for both",
        "model",
    )
    sequence_length: int = option(
        32,
        "tokens per sentence, both sides, [START] and [END] included",
        "model",
        "[3, inf)",
    )
    position: str = option(
        "learned", "position encoding", "model", choices=("learned", "sinusoidal")
    )
    normalize_first: bool = option(
        False, "pre-LN Transformer blocks (the paper's are post-LN)", "model"
    )
    attention_dropout: float | None = option(
        None,
        "dropout of the attention weights (unset: --dropout for the "
        "Transformer, none for rnn_attention, as before the option)",
        "model",
        "[0, 1)",
    )
    activation_dropout: float = option(
        0.0,
        "dropout of the Transformer's feed-forward hidden layer",
        "model",
        "[0, 1)",
    )
    embeddings_initializer: str | None = option(
        None,
        "token embeddings: normal N(0, hidden_dim**-0.5) or Keras' uniform "
        "U(-0.05, 0.05) (unset: uniform for the Transformer, normal for "
        "rnn_attention, as before the option)",
        "model",
        choices=("normal", "uniform"),
    )
    scale_embeddings: bool = option(
        False,
        "multiply the Transformer's token embeddings by sqrt(hidden_dim) "
        "(Vaswani et al. 2017; use with --embeddings-initializer normal)",
        "model",
    )
    label_smoothing: float = option(
        0.0,
        "label-smoothed cross-entropy: (1-e)(-log p_label) + e mean_v(-log p_v) "
        "(Vaswani et al. 2017 use 0.1); the losses logged include it",
        "training",
        "[0, 1)",
    )
    average_checkpoints: int = option(
        1,
        "average the weights of the last N epochs at the end, kept if their "
        "validation loss is not worse than the best epoch's (1: off)",
        "training",
        "[1, inf)",
    )
    warmup_steps: int = option(
        500, "linear warmup, then cosine decay", "training", "[0, inf)"
    )
    length_buckets: int = option(
        1,
        "draw every training batch from one of K buckets of pairs of similar "
        "length (quantiles of their characters; 1: no buckets)",
        "training",
        "[1, inf)",
    )
    pad_to_multiple_of: int = option(
        8,
        "pad each batch only to its longest source and target, rounded up to "
        "a multiple of this (0: always to --sequence-length)",
        "training",
        "[0, inf)",
    )

    def __post_init__(self):
        super().__post_init__()
        if self.shared_vocabulary and self.target_tokenizer not in (
            None,
            self.tokenizer,
        ):
            raise ValueError(
                "`target_tokenizer` (--target-tokenizer) needs a target vocabulary "
                "of its own, not `shared_vocabulary` (--shared-vocabulary). "
                f"Received: tokenizer={self.tokenizer!r}, "
                f"target_tokenizer={self.target_tokenizer!r}"
            )
        if self.data is None:
            raise ValueError(
                "`data` (--data) must be a TSV of sentence pairs. Received: None"
            )
        if self.architecture == "rnn_attention":
            for name in _TRANSFORMER_ONLY:
                if getattr(self, name):
                    raise ValueError(
                        f"`{name}` ({flag(name)}) is an option of the "
                        "Transformer; --architecture rnn_attention has none. "
                        f"Received: {name}={getattr(self, name)!r}"
                    )
        has_validation = self.validation_data or self.validation_fraction > 0
        if self.average_checkpoints > 1 and not has_validation:
            raise ValueError(
                "`average_checkpoints` (--average-checkpoints) keeps the average "
                "only if its validation loss is not worse, and needs validation "
                "data (--validation-fraction above 0, or --validation-data). "
                f"Received: average_checkpoints={self.average_checkpoints}, "
                f"validation_fraction={self.validation_fraction}"
            )


def train(config, command=None):
    """The trained `Translator` and its record: `translator, record = train(config)`.

    The preset `config.output` is written when it is set; `command` (the
    command line, if any) is kept in the record.
    """
    import keras

    from applications.common.checkpoint_averaging import (
        CheckpointAveraging,
        keep_average_if_not_worse,
    )
    from applications.data.splits import sample_indices
    from applications.data.translation_pairs import (
        load_translation_pairs,
        split_pairs_by_source,
        write_translation_pairs,
    )
    from applications.translator.backbone import TranslatorBackbone
    from applications.translator.evaluation import score_translator
    from applications.translator.task import Translator

    run = training.TrainingRun(config, command, backbone_cls=TranslatorBackbone)
    architecture = architecture_preset_config(config.preset)  # a bad name fails now
    sources, targets = load_translation_pairs(config.data, reverse=config.reverse)
    if config.max_pairs is not None and config.max_pairs < len(sources):
        keep = sample_indices(len(sources), config.max_pairs, config.seed)
        sources, targets = [sources[i] for i in keep], [targets[i] for i in keep]
    splits = split_pairs_by_source(sources, targets, **config.split_options())
    splits = training.with_given_splits(
        config,
        splits,
        lambda path: load_translation_pairs(path, reverse=config.reverse),
    )
    train_split, validation, test = splits
    if config.preset and architecture is None:
        translator = Translator.from_preset(config.preset)
    else:
        translator = build_translator(config, *train_split, architecture)
    translator.preprocessor.pad_to_multiple_of = config.pad_to_multiple_of or None
    steps = config.steps_per_epoch or -(-len(train_split[0]) // config.batch_size)
    total_steps = steps * config.epochs
    run.describe(
        f"{config.data} ({len(sources)} pairs"
        + (", reversed" if config.reverse else "")
        + ")",
        training.split_sizes(*splits),
        "pairs",
        f"{config.epochs} epochs of {steps:,} steps of {config.batch_size} pairs",
    )
    schedule = training.warmup_cosine_schedule(
        config.learning_rate,
        total_steps,
        min(config.warmup_steps, total_steps // 2),
        alpha=0.05,
    )
    translator.compile(
        optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
        loss=training_loss(config),
    )
    has_validation = len(validation[0]) > 0
    validation_batches = run.batches(validation) if has_validation else None
    averaging = None
    if config.average_checkpoints > 1 and has_validation:
        averaging = CheckpointAveraging(config.average_checkpoints)
    result = run.fit(
        translator,
        run.batches(
            train_split,
            shuffle=True,
            lengths=[len(s) + len(t) for s, t in zip(*train_split)],
            num_buckets=config.length_buckets,
        ),
        validation_batches,
        monitor="val_loss" if has_validation else "loss",
        callbacks=() if averaging is None else (averaging,),
    )
    fields = {}
    if has_validation:
        fields["validation_loss"] = round(result["best_value"], 4)
    if averaging is not None:
        averaged = keep_average_if_not_worse(translator, averaging, validation_batches)
        fields["checkpoint_averaging"] = averaged
        if averaged["kept"] == "averaged":
            fields["validation_loss"] = averaged["validation_loss_averaged"]
        if config.verbose:
            print(_averaging_line(averaged), flush=True)
    if has_validation:
        # Greedy BLEU / chrF of the kept weights on the validation split: what
        # recipes are compared by (the test split chooses nothing).
        if config.validation_output:
            write_translation_pairs(config.validation_output, *validation)
        validation_scores = score_translator(translator, *validation, num_beams=1)
        fields["validation_scores"] = {
            key: validation_scores[key] for key in ("bleu", "chrf", "num_sentences")
        }
    scores = {}
    if len(test[0]):
        if config.test_output:
            write_translation_pairs(config.test_output, *test)
        with training.Stopwatch() as evaluation_watch:
            scores = score_translator(translator, *test, num_beams=1)
        scores["evaluation_wall_time_seconds"] = round(evaluation_watch.seconds, 1)
        fields["result"] = f"BLEU {scores['bleu']}, chrF {scores['chrf']}"
    fractions = config.split_options()
    return run.finish(
        translator,
        splits,
        f"{translator.backbone.architecture} translator trained on {config.data}",
        f"{config.data} ({len(sources)} pairs"
        + (", reversed" if config.reverse else "")
        + ")",
        split=(
            "split_pairs_by_source: distinct source sentences shuffled with "
            f"seed {config.seed}; test {fractions['test_fraction']}, validation "
            f"{fractions['validation_fraction']} of them; every pair of a source "
            "in its source's split"
        ),
        held_out_test=scores,
        **fields,
    )


def training_loss(config):
    """The loss `train()` compiles with: `SparseCategoricalCrossentropy` from
    logits without label smoothing, else
    `SparseLabelSmoothedCrossEntropy(config.label_smoothing)`; both the mean
    over the target tokens (weighted by the preprocessor's padding mask and
    divided by its sum, Keras' `"mean_with_sample_weight"`), so that a
    batch's loss does not depend on how far it is padded."""
    import keras

    if not config.label_smoothing:
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"
        )
    from applications.common.label_smoothed_cross_entropy import (
        SparseLabelSmoothedCrossEntropy,
    )

    return SparseLabelSmoothedCrossEntropy(
        config.label_smoothing, reduction="mean_with_sample_weight"
    )


def _averaging_line(report):
    """`"checkpoint averaging of epochs 6-8: kept averaged (validation loss
    2.31 averaged, 2.35 best epoch)"`."""
    if "note" in report:
        return f"checkpoint averaging: {report['note']}"
    epochs = report["averaged_epochs"]
    return (
        f"checkpoint averaging of epochs {epochs[0]}-{epochs[-1]}: kept "
        f"{report['kept']} "
        f"(validation loss {report['validation_loss_averaged']} averaged, "
        f"{report['validation_loss_best_epoch']} best epoch)"
    )


def build_translator(config, train_sources, train_targets, preset_config=None):
    """An untrained `Translator` as `config` (or an architecture preset's
    config) says, its vocabularies learned from the training pairs."""
    from applications.translator.backbone import TranslatorBackbone
    from applications.translator.preprocessor import (
        TARGET_TOKENIZER_CONFIG_FILE,
        TranslatorPreprocessor,
    )
    from applications.translator.task import Translator
    from applications.translator.tokenizer import (
        default_target_tokenizer,
        learn_translator_tokenizer,
    )

    backbone_config = {
        "architecture": config.architecture,
        "num_layers": config.num_layers,
        "num_heads": config.num_heads,
        "hidden_dim": config.hidden_dim,
        "intermediate_dim": config.intermediate_dim,
        "max_sequence_length": config.sequence_length,
        "dropout": config.dropout,
        "attention_dropout": config.attention_dropout,
        "activation_dropout": config.activation_dropout,
        "embeddings_initializer": config.embeddings_initializer,
        "scale_embeddings": config.scale_embeddings,
        "position": config.position,
        "normalize_first": config.normalize_first,
        "vocabulary_size": config.target_vocabulary_size,
        "source_vocabulary_size": (
            None if config.shared_vocabulary else config.source_vocabulary_size
        ),
        **(preset_config or {}),
    }
    if backbone_config["source_vocabulary_size"] is None:
        tokenizer = learn_translator_tokenizer(
            train_sources + train_targets,
            backbone_config["vocabulary_size"],
            config.tokenizer,
            lowercase=False,
        )
        target_tokenizer = None
        backbone_config["vocabulary_size"] = tokenizer.vocabulary_size()
    else:
        tokenizer = learn_translator_tokenizer(
            train_sources,
            backbone_config["source_vocabulary_size"],
            config.tokenizer,
            lowercase=True,
        )
        target_tokenizer = learn_translator_tokenizer(
            train_targets,
            backbone_config["vocabulary_size"],
            config.target_tokenizer
            or default_target_tokenizer(config.tokenizer, train_targets),
            lowercase=False,
            config_file=TARGET_TOKENIZER_CONFIG_FILE,
        )
        backbone_config["source_vocabulary_size"] = tokenizer.vocabulary_size()
        backbone_config["vocabulary_size"] = target_tokenizer.vocabulary_size()
    length = min(config.sequence_length, backbone_config["max_sequence_length"])
    preprocessor = TranslatorPreprocessor(
        tokenizer,
        target_tokenizer,
        encoder_sequence_length=length,
        decoder_sequence_length=length,
    )
    return Translator(TranslatorBackbone(**backbone_config), preprocessor)


def architecture_preset_config(preset):
    """The backbone config of an architecture preset (no weights), else None."""
    from applications.common.presets import (
        CONFIG_FILE,
        preset_has_weights,
        resolve_preset,
    )

    if preset is None or preset_has_weights(preset):
        return None
    with open(Path(resolve_preset(preset)) / CONFIG_FILE, encoding="utf-8") as file:
        config = json.load(file)["config"]
    return {key: config[key] for key in _ARCHITECTURE_KEYS if key in config}

"""Command-line hook of the translator: `train translator`, `translate`,
`evaluate translator`.

    keras-attention train translator --data eng-cmn.tsv --epochs 10 \
        --output my_translator
    keras-attention train translator --data pairs.tsv \
        --preset translator_tiny_en_zh --epochs 2 --output tuned
    keras-attention translate --preset my_translator "Where is the station?"
    keras-attention evaluate translator --preset my_translator --data test.tsv

Keras and the model classes are imported inside the `run` functions, after
the command line has chosen the backend.
"""

from pathlib import Path

from applications.cli import Command
from applications.cli_arguments import (
    add_preset_argument,
    add_run_arguments,
    texts_from_arguments,
)

PRESETS_MODULE = "applications.translator.backbone"

ARCHITECTURE_CHOICES = ("transformer", "rnn_attention")


def add_train_arguments(parser):
    parser.add_argument(
        "--data",
        required=True,
        help="Tatoeba/Anki TSV: source<TAB>target[<TAB>attribution] per line",
    )
    parser.add_argument("--output", required=True, help="preset directory to write")
    parser.add_argument(
        "--preset",
        help="start from this preset: a trained one is fine-tuned with its "
        "vocabularies; an architecture preset (e.g. transformer_base) gives the "
        "model configuration and vocabularies are learned from --data",
    )
    parser.add_argument("--description", help="description kept in the preset")
    parser.add_argument(
        "--reverse", action="store_true", help="translate column 2 into column 1"
    )
    parser.add_argument("--max-pairs", type=int, help="read only the first N pairs")
    parser.add_argument(
        "--test-output",
        help="also write the held-out test pairs to this TSV (for `evaluate`)",
    )
    model = parser.add_argument_group("model (ignored with --preset)")
    model.add_argument(
        "--architecture", choices=ARCHITECTURE_CHOICES, default="transformer"
    )
    model.add_argument("--source-vocabulary-size", type=int, default=6000)
    model.add_argument("--target-vocabulary-size", type=int, default=4000)
    model.add_argument(
        "--shared-vocabulary",
        action="store_true",
        help="one vocabulary (of --target-vocabulary-size) and embedding for both",
    )
    model.add_argument("--sequence-length", type=int, default=32)
    model.add_argument("--num-layers", type=int, default=2)
    model.add_argument("--num-heads", type=int, default=4)
    model.add_argument("--hidden-dim", type=int, default=128)
    model.add_argument("--intermediate-dim", type=int, default=512)
    model.add_argument("--dropout", type=float, default=0.1)
    model.add_argument(
        "--position", choices=("learned", "sinusoidal"), default="learned"
    )
    model.add_argument(
        "--normalize-first",
        action="store_true",
        help="pre-LN Transformer blocks (the paper's are post-LN)",
    )
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=int, default=10)
    training.add_argument("--batch-size", type=int, default=64)
    training.add_argument("--learning-rate", type=float, default=1e-3)
    training.add_argument(
        "--warmup-steps", type=int, default=500, help="linear warmup, then cosine decay"
    )
    training.add_argument("--patience", type=int, default=3)
    training.add_argument(
        "--validation-fraction",
        type=float,
        default=0.05,
        help="share of the distinct source sentences used to pick the best epoch",
    )
    training.add_argument(
        "--test-fraction",
        type=float,
        default=0.1,
        help="share of the distinct source sentences held out for BLEU/chrF (0: none)",
    )
    add_run_arguments(training)


def _build_new_translator(args, train_sources, train_targets, preset_config):
    from applications.translator.backbone import TranslatorBackbone
    from applications.translator.preprocessor import (
        TARGET_TOKENIZER_CONFIG_FILE,
        TranslatorPreprocessor,
    )
    from applications.translator.task import Translator
    from applications.translator.tokenizer import TranslatorTokenizer

    config = {
        "architecture": args.architecture,
        "num_layers": args.num_layers,
        "num_heads": args.num_heads,
        "hidden_dim": args.hidden_dim,
        "intermediate_dim": args.intermediate_dim,
        "max_sequence_length": args.sequence_length,
        "dropout": args.dropout,
        "position": args.position,
        "normalize_first": args.normalize_first,
        "vocabulary_size": args.target_vocabulary_size,
        "source_vocabulary_size": (
            None if args.shared_vocabulary else args.source_vocabulary_size
        ),
    }
    if preset_config is not None:  # an architecture preset
        config.update(preset_config)
    if config["source_vocabulary_size"] is None:
        tokenizer = TranslatorTokenizer.from_texts(
            train_sources + train_targets, config["vocabulary_size"], lowercase=False
        )
        target_tokenizer = None
        config["vocabulary_size"] = tokenizer.vocabulary_size()
    else:
        tokenizer = TranslatorTokenizer.from_texts(
            train_sources, config["source_vocabulary_size"], lowercase=True
        )
        target_tokenizer = TranslatorTokenizer.from_texts(
            train_targets,
            config["vocabulary_size"],
            lowercase=False,
            config_file=TARGET_TOKENIZER_CONFIG_FILE,
        )
        config["source_vocabulary_size"] = tokenizer.vocabulary_size()
        config["vocabulary_size"] = target_tokenizer.vocabulary_size()
    length = min(args.sequence_length, config["max_sequence_length"])
    preprocessor = TranslatorPreprocessor(
        tokenizer,
        target_tokenizer,
        encoder_sequence_length=length,
        decoder_sequence_length=length,
    )
    return Translator(TranslatorBackbone(**config), preprocessor)


def _architecture_preset_config(preset):
    """The backbone config of an architecture preset (no weights), else None."""
    import json

    from applications.preset_registry import (
        CONFIG_FILE,
        preset_has_weights,
        resolve_preset,
    )

    if preset is None or preset_has_weights(preset):
        return None
    with open(Path(resolve_preset(preset)) / CONFIG_FILE, encoding="utf-8") as file:
        config = json.load(file)["config"]
    keys = (
        "architecture", "num_layers", "num_heads", "hidden_dim", "intermediate_dim",
        "max_sequence_length", "dropout", "position", "tie_embeddings",
        "normalize_first", "layer_norm_epsilon", "vocabulary_size",
        "source_vocabulary_size",
    )  # fmt: skip
    return {key: config[key] for key in keys if key in config}


def run_train(args, argv):
    import keras
    import tensorflow as tf

    from applications import training
    from applications.data.translation_pairs import (
        load_translation_pairs,
        split_pairs_by_source,
        write_translation_pairs,
    )
    from applications.translator.task import Translator

    keras.utils.set_random_seed(args.seed)
    with training.Stopwatch() as watch:
        sources, targets = load_translation_pairs(
            args.data, max_pairs=args.max_pairs, reverse=args.reverse
        )
        train, validation, test = split_pairs_by_source(
            sources,
            targets,
            validation_fraction=args.validation_fraction,
            test_fraction=args.test_fraction,
            seed=args.seed,
        )
        architecture_config = _architecture_preset_config(args.preset)
        if args.preset and architecture_config is None:
            translator = Translator.from_preset(args.preset)
        else:
            translator = _build_new_translator(args, *train, architecture_config)

        def batches(split, shuffle):
            dataset = tf.data.Dataset.from_tensor_slices((split[0], split[1]))
            if shuffle:
                dataset = dataset.shuffle(len(split[0]), seed=args.seed)
            return dataset.batch(args.batch_size)

        steps = args.steps_per_epoch or -(-len(train[0]) // args.batch_size)
        total_steps = steps * args.epochs
        schedule = training.warmup_cosine_schedule(
            args.learning_rate,
            total_steps,
            min(args.warmup_steps, total_steps // 2),
            alpha=0.05,
        )
        translator.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0))
        has_validation = len(validation[0]) > 0
        result = training.fit_with_best_checkpoint(
            translator,
            batches(train, shuffle=True),
            validation_data=batches(validation, False) if has_validation else None,
            epochs=args.epochs,
            checkpoint_path=args.checkpoint
            or training.default_checkpoint_path(args.output),
            monitor="val_loss" if has_validation else "loss",
            mode="min",
            patience=args.patience,
            steps_per_epoch=args.steps_per_epoch,
            verbose=args.verbose,
        )
    training_seconds = watch.seconds
    metrics = {}
    if len(test[0]):
        if args.test_output:
            write_translation_pairs(args.test_output, *test)
        with training.Stopwatch() as evaluation_watch:
            metrics = _score(translator, *test, num_beams=1)
        metrics["evaluation_wall_time_seconds"] = round(evaluation_watch.seconds, 1)
    record = training.training_record(
        argv,
        training_seconds,
        description=args.description
        or f"{translator.backbone.architecture} translator trained on {args.data}",
        training_data=f"{args.data} ({len(sources)} pairs"
        + (", reversed" if args.reverse else "")
        + ")",
        split=(
            "split_pairs_by_source: distinct source sentences shuffled with "
            f"seed {args.seed}; test {args.test_fraction}, validation "
            f"{args.validation_fraction} of them; every pair of a source in its "
            "source's split"
        ),
        split_sizes=training.split_sizes(train, validation, test),
        split_seed=args.seed,
        epochs_run=result["epochs_run"],
        best_epoch=result["best_epoch"],
        held_out_test=metrics,
    )
    if has_validation:
        record["validation_loss"] = round(result["best_value"], 4)
    if metrics:
        record["result"] = f"BLEU {metrics['bleu']}, chrF {metrics['chrf']}"
    training.save_trained_preset(
        translator,
        args.output,
        record,
        result,
        [record.get("result", "no test split")],
        training_seconds,
    )
    return 0


def _score(translator, sources, references, num_beams):
    """Translates each distinct source once and scores every pair."""
    from applications.translator.evaluation import translation_scores

    distinct = list(dict.fromkeys(sources))
    translated = dict(
        zip(
            distinct,
            translator.translate(distinct, num_beams=num_beams, batch_size=128),
        )
    )
    return translation_scores([translated[s] for s in sources], references)


def add_translate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to translate")
    parser.add_argument("--file", help="also translate each line of this UTF-8 file")
    parser.add_argument(
        "--num-beams", type=int, default=1, help="1: greedy; K > 1: beam search"
    )
    parser.add_argument("--max-length", type=int, help="longest translation in tokens")
    parser.add_argument("--batch-size", type=int, default=32)


def run_translate(args, argv):
    from applications.translator.task import Translator

    texts = texts_from_arguments(args.texts, args.file, "translate")
    translator = Translator.from_preset(args.preset)
    translations = translator.translate(
        texts,
        num_beams=args.num_beams,
        max_length=args.max_length,
        batch_size=args.batch_size,
    )
    for translation in translations:
        print(translation)
    return 0


def add_evaluate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "--data", required=True, help="TSV of source<TAB>reference pairs"
    )
    parser.add_argument("--reverse", action="store_true")
    parser.add_argument("--num-beams", type=int, default=1)


def run_evaluate(args, argv):
    import json

    from applications.data.translation_pairs import load_translation_pairs
    from applications.translator.task import Translator

    sources, references = load_translation_pairs(args.data, reverse=args.reverse)
    translator = Translator.from_preset(args.preset)
    scores = _score(translator, sources, references, num_beams=args.num_beams)
    print(f"BLEU {scores['bleu']}  chrF {scores['chrf']}  ({len(sources)} pairs)")
    print(json.dumps(scores, ensure_ascii=False))
    return 0


COMMANDS = [
    Command(
        path=("train", "translator"),
        help="train a translator on sentence pairs and write a preset",
        add_arguments=add_train_arguments,
        run=run_train,
    ),
    Command(
        path=("translate",),
        help="translate texts with a translator preset",
        add_arguments=add_translate_arguments,
        run=run_translate,
    ),
    Command(
        path=("evaluate", "translator"),
        help="BLEU (sacrebleu, tokenize='zh') and chrF of a translator preset",
        add_arguments=add_evaluate_arguments,
        run=run_evaluate,
    ),
]

"""Command-line hook of the translator: `train translator`, `translate`,
`evaluate translator`.

    keras-attention train translator --data eng-cmn.tsv --epochs 10 \
        --output my_translator
    keras-attention train translator --data pairs.tsv \
        --preset translator_tiny_en_zh --epochs 2 --output tuned
    keras-attention translate --preset my_translator "Where is the station?"
    keras-attention evaluate translator --preset my_translator --data test.tsv
    keras-attention evaluate translator --preset my_translator --data test.tsv \
        --tokenize 13a
    keras-attention evaluate translator --preset my_translator --data test.tsv \
        --num-beams 4 --length-penalty 0.6

The options of `train translator` are the fields of
`TranslatorTrainingConfig`; the work is `training.train()`. Keras and the
model classes are imported inside the `run` functions, after the command line
has chosen the backend.
"""

from applications.cli import command
from applications.cli.options import (
    add_batch_size_argument,
    add_config_arguments,
    add_overflow_argument,
    add_preset_argument,
    run_training,
    texts_from_arguments,
)
from applications.common.checks import argument_type
from applications.translator.evaluation import BLEU_TOKENIZERS
from applications.translator.training import TranslatorTrainingConfig

PRESETS_MODULE = "applications.translator.backbone"


def add_train_arguments(parser):
    add_config_arguments(
        parser,
        TranslatorTrainingConfig,
        titles={"model": "model (ignored with --preset)"},
    )


@command("train", "translator", arguments=add_train_arguments)
def train_translator(args, argv):
    """train a translator on sentence pairs and write a preset"""
    from applications.translator.training import train

    return run_training(TranslatorTrainingConfig, train, args, argv)


def _add_decoding_arguments(parser):
    parser.add_argument(
        "--num-beams",
        type=argument_type(int, "[1, inf)"),
        default=1,
        help="1: greedy; K > 1: beam search",
    )
    parser.add_argument(
        "--length-penalty",
        type=argument_type(float, "[0, inf)"),
        metavar="ALPHA",
        help="with --num-beams K > 1, choose the final beam by GNMT's "
        "log P / ((5 + length) / 6) ** ALPHA (Wu et al. 2016; e.g. 0.6; 0: "
        "by probability up to [END]); unset: keras-hub's BeamSampler choice",
    )


def _check_decoding_arguments(args):
    if args.length_penalty is not None and args.num_beams == 1:
        raise ValueError(
            "--length-penalty chooses among the beams of beam search and needs "
            f"--num-beams above 1. Received: --num-beams 1 --length-penalty "
            f"{args.length_penalty}"
        )


def add_translate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to translate")
    parser.add_argument("--file", help="also translate each line of this UTF-8 file")
    _add_decoding_arguments(parser)
    parser.add_argument(
        "--max-length",
        type=argument_type(int, "[2, inf)"),
        help="longest translation in tokens, [START] included (at most the "
        "preset's positions)",
    )
    add_batch_size_argument(parser)
    add_overflow_argument(parser)


@command("translate", arguments=add_translate_arguments)
def translate(args, argv):
    """translate texts with a translator preset"""
    from applications.translator.task import Translator

    _check_decoding_arguments(args)
    texts = texts_from_arguments(args.texts, args.file, "translate")
    translator = Translator.from_preset(args.preset)
    translations = translator.translate(
        texts,
        num_beams=args.num_beams,
        length_penalty=args.length_penalty,
        max_length=args.max_length,
        batch_size=args.batch_size,
        on_overflow=args.on_overflow,
    )
    for translation in translations:
        print(translation)
    return 0


def add_evaluate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "--data", required=True, help="TSV of source<TAB>reference pairs"
    )
    parser.add_argument(
        "--reverse", action="store_true", help="translate column 2 into column 1"
    )
    _add_decoding_arguments(parser)
    parser.add_argument(
        "--tokenize",
        choices=BLEU_TOKENIZERS,
        default="auto",
        help="sacrebleu's BLEU tokenizer; auto (default) chooses from the "
        "references' script: zh for Chinese, ja-mecab for Japanese (needs "
        "sacrebleu[ja]), ko-mecab or char for Korean, else 13a",
    )


@command("evaluate", "translator", arguments=add_evaluate_arguments)
def evaluate_translator(args, argv):
    """BLEU and chrF (sacrebleu) of a translator preset"""
    import json

    from applications.data.translation_pairs import load_translation_pairs
    from applications.translator.evaluation import bleu_metric, score_translator
    from applications.translator.task import Translator

    _check_decoding_arguments(args)
    sources, references = load_translation_pairs(args.data, reverse=args.reverse)
    bleu_metric(args.tokenize, references)  # a missing package fails now
    translator = Translator.from_preset(args.preset)
    scores = score_translator(
        translator,
        sources,
        references,
        args.num_beams,
        tokenize=args.tokenize,
        length_penalty=args.length_penalty,
    )
    print(
        f"BLEU {scores['bleu']} ({scores['bleu_signature']})  chrF "
        f"{scores['chrf']}  ({len(sources)} pairs, {scores['decoding']} decoding)"
    )
    print(json.dumps(scores, ensure_ascii=False))
    return 0


COMMANDS = [train_translator, translate, evaluate_translator]

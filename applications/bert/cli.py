"""Command-line hook of BERT: `train mlm`, `fill-mask`.

    keras-attention train mlm --data reviews.txt more.tsv --output my_bert
    keras-attention fill-mask --preset my_bert "the cat sat on the [MASK]."

The options of `train mlm` are the fields of `BertMaskedLMTrainingConfig`;
the work is `training.train()`. Keras and the model classes are imported
inside the `run` functions, after the command line has chosen the backend.
"""

from applications.bert.training import BertMaskedLMTrainingConfig
from applications.cli import command
from applications.cli.options import (
    add_config_arguments,
    add_preset_argument,
    run_training,
    texts_from_arguments,
)
from applications.common.checks import argument_type

PRESETS_MODULE = "applications.bert.backbone"


@command(
    "train",
    "mlm",
    arguments=lambda p: add_config_arguments(p, BertMaskedLMTrainingConfig),
)
def train_mlm(args, argv):
    """pretrain a BERT masked language model on your text and write a preset"""
    from applications.bert import training

    return run_training(BertMaskedLMTrainingConfig, training.train, args, argv)


def add_fill_mask_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "texts",
        nargs="*",
        metavar="TEXT",
        help="texts with one or more [MASK], each standing for one token",
    )
    parser.add_argument("--file", help="also fill each line of this UTF-8 file")
    parser.add_argument(
        "--top-k",
        type=argument_type(int, "[1, inf)"),
        default=5,
        help="candidates per [MASK] (default: 5)",
    )


@command("fill-mask", arguments=add_fill_mask_arguments)
def fill_mask(args, argv):
    """the most likely tokens for each [MASK] of texts, with a BERT preset"""
    from applications.bert.task import BertMaskedLM

    texts = texts_from_arguments(args.texts, args.file, "fill")
    masked_lm = BertMaskedLM.from_preset(args.preset)
    results = masked_lm.fill_mask(texts, top_k=args.top_k)
    for number, (text, masks) in enumerate(zip(texts, results)):
        print(("\n" if number else "") + text)
        rows = [("mask", "rank", "token", "probability")]
        for mask, candidates in enumerate(masks, start=1):
            for rank, (token, probability) in enumerate(candidates, start=1):
                rows.append((str(mask), str(rank), repr(token), f"{probability:.2%}"))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:3], widths)]
            print("  " + "  ".join(cells + [row[3].rjust(widths[3])]))
    return 0


COMMANDS = [train_mlm, fill_mask]

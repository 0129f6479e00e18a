"""Command-line hook of the GPT: `train lm`, `generate`, `evaluate lm`.

    keras-attention train lm --dataset tiny_shakespeare --output my_gpt
    keras-attention generate --preset gpt_tiny_shakespeare "ROMEO:"
    keras-attention evaluate lm --preset my_gpt --data valid.txt

The options of `train lm` are the fields of `GPTTrainingConfig`; the work
is `training.train()`. Keras and the model classes are imported inside the
`run` functions, after the command line has chosen the backend.
"""

from applications.cli import command
from applications.cli.options import (
    add_batch_size_argument,
    add_config_arguments,
    add_preset_argument,
    run_training,
)
from applications.common.checks import argument_type
from applications.gpt.generation import SAMPLERS
from applications.gpt.training import GPTTrainingConfig

PRESETS_MODULE = "applications.gpt.backbone"

#: Set for `train lm` unless the environment sets them: TensorFlow's oneDNN
#: CPU kernels (off by default on CPUs without AVX-512), which took a
#: training step of nanoGPT's Shakespeare configuration from ~1.35x to ~1.1x
#: nanoGPT's time on one core of this project's x86-64 CPU (2026-11-30;
#: docs/gpt.md, "Against nanoGPT"). Other backends ignore it.
TRAINING_ENVIRONMENT = (("TF_ENABLE_ONEDNN_OPTS", "1"),)


@command(
    "train",
    "lm",
    arguments=lambda p: add_config_arguments(p, GPTTrainingConfig),
    environment=TRAINING_ENVIRONMENT,
)
def train_lm(args, argv):
    """train a GPT language model on your text and write a preset"""
    from applications.gpt import training

    return run_training(GPTTrainingConfig, training.train, args, argv)


def add_generate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "prompt", nargs="?", default="", help="text to continue (default: none)"
    )
    parser.add_argument(
        "--max-length",
        type=argument_type(int, "[2, inf)"),
        help="output length in tokens, prompt included (default: the context)",
    )
    parser.add_argument(
        "--sampler", default="top_k", choices=SAMPLERS, help="decoding (default: top_k)"
    )
    parser.add_argument(
        "--temperature",
        type=argument_type(float, "(0, inf)"),
        default=0.8,
        help="softmax temperature (default: 0.8)",
    )
    parser.add_argument(
        "--top-k",
        type=argument_type(int, "[1, inf)"),
        default=40,
        help="k of --sampler top_k (default: 40)",
    )
    parser.add_argument(
        "--top-p",
        type=argument_type(float, "(0, 1]"),
        default=0.9,
        help="p of --sampler top_p (default: 0.9)",
    )
    parser.add_argument(
        "--num-beams",
        type=argument_type(int, "[1, inf)"),
        default=4,
        help="beams of --sampler beam (default: 4)",
    )
    parser.add_argument(
        "--repetition-penalty",
        type=argument_type(float, "(0, inf)"),
        default=1.0,
        help="above 1 makes repeated tokens less likely (CTRL; default: 1.0, off)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampling")
    parser.add_argument(
        "--no-stream",
        action="store_true",
        help="print the whole text at the end instead of as it is generated",
    )


@command("generate", arguments=add_generate_arguments)
def generate(args, argv):
    """continue a prompt with a GPT preset, printing the text as it comes"""
    import sys

    import keras

    from applications.gpt.generation import make_sampler
    from applications.gpt.task import GPT

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)
    gpt = GPT.from_preset(args.preset)
    sampler = make_sampler(
        args.sampler,
        args.temperature,
        args.top_k,
        args.top_p,
        args.num_beams,
        seed=args.seed,
    )
    gpt.compile(sampler=sampler, repetition_penalty=args.repetition_penalty)
    if args.no_stream or args.sampler == "beam":
        print(gpt.generate(args.prompt, max_length=args.max_length))
        return 0
    sys.stdout.write(args.prompt)
    for piece in gpt.stream(args.prompt, max_length=args.max_length):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


def add_evaluate_arguments(parser):
    add_preset_argument(parser)
    parser.add_argument(
        "--data",
        required=True,
        help="UTF-8 text to score: a .txt file (running text) or a TSV of "
        "documents (see --text-columns)",
    )
    parser.add_argument("--text-columns", help="for a TSV: the text columns, e.g. 0,2")
    add_batch_size_argument(parser)


@command("evaluate", "lm", arguments=add_evaluate_arguments)
def evaluate_lm(args, argv):
    """loss and perplexity of a GPT preset on a text"""
    import math

    from applications.data import language_modeling as data
    from applications.gpt.task import GPT
    from applications.gpt.training import GPTTrainingConfig, evaluate_loss

    columns = None
    if args.text_columns is not None:
        columns = GPTTrainingConfig(
            data=args.data, text_columns=args.text_columns
        ).columns()
    gpt = GPT.from_preset(args.preset)
    documents = data.load_documents(args.data, columns)
    stream = data.token_stream(gpt.preprocessor.tokenizer, documents)
    length = gpt.preprocessor.sequence_length
    loss = evaluate_loss(gpt, stream, length, args.batch_size)
    print(
        f"{args.data}: {len(stream):,} tokens, loss {loss:.4f} nats/token, "
        f"perplexity {math.exp(loss):.3f} (windows of {length} tokens)"
    )
    return 0


COMMANDS = [train_lm, generate, evaluate_lm]

"""Command-line options and inputs shared by the application hooks.

Imports no Keras: the hooks add these options before `--backend` is read.
"""


def add_preset_argument(parser):
    """`--preset NAME_OR_DIR`: a built-in preset name or a preset directory."""
    parser.add_argument(
        "--preset",
        required=True,
        help="built-in preset name or preset directory (see `keras-attention presets`)",
    )


def add_run_arguments(group):
    """The options every `train` command has beside its hyperparameters:
    `--seed`, `--steps-per-epoch`, `--checkpoint`, `--verbose`."""
    group.add_argument("--seed", type=int, default=1337)
    group.add_argument(
        "--steps-per-epoch", type=int, help="cap on batches per epoch (smoke tests)"
    )
    group.add_argument(
        "--checkpoint",
        help="best-weights file (default: runs/<output name>/best.weights.h5)",
    )
    group.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0 silent, 1 progress bar, 2 one line per epoch",
    )


def texts_from_arguments(texts, file, verb):
    """The texts given as arguments, then the non-blank lines of `file`.

    Args:
        texts: the positional texts.
        file: a UTF-8 text file, or None.
        verb: what is done with them ("classify", "translate"), for the error.

    Returns:
        list of str.

    Raises:
        ValueError: if there is no text at all.
    """
    from applications.data.text_lines import read_lines

    texts = list(texts)
    if file:
        texts += [line for _, line in read_lines(file) if line.strip()]
    if not texts:
        raise ValueError(
            f"Nothing to {verb}: give texts as arguments or --file. Received none."
        )
    return texts

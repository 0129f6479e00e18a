"""Command-line options shared by the application hooks.

A `train` command's options are generated from its training config (a
dataclass of `applications.common.config.option` fields), the way Hugging
Face's `HfArgumentParser` maps dataclasses onto argparse: one flag per field
(`batch_size` -> `--batch-size`), typed, with its default shown in `--help`,
and `config_from_arguments()` maps the parsed options back onto the config. A
number's `bounds` (e.g. `"[1, inf)"`) are checked as argparse parses it, so
`--batch-size 0` fails naming the flag before anything runs.

Imports no Keras: the hooks add these options before `--backend` is read.
"""

import argparse
import dataclasses
import typing

from applications.common.checks import ANY_NUMBER, argument_type
from applications.common.config import GROUPS, field_type, flag


def add_config_arguments(parser, config_cls, titles=None):
    """Adds one option per field of a training config to `parser`.

    Args:
        parser: an `argparse.ArgumentParser`.
        config_cls: a dataclass whose fields were made with `option()`.
        titles: optional group name -> title shown in `--help`.
    """
    titles = titles or {}
    hints = typing.get_type_hints(config_cls)
    fields = dataclasses.fields(config_cls)
    groups = {None: parser}
    for group in GROUPS:
        if any(field.metadata.get("group") == group for field in fields):
            groups[group] = parser.add_argument_group(titles.get(group, group))
    exclusive = {}
    for group in (None, *GROUPS):
        for field in fields:
            metadata = field.metadata
            if metadata.get("group") != group:
                continue
            container = groups[group]
            if metadata.get("exclusive"):
                name = metadata["exclusive"]
                if name not in exclusive:
                    required = any(
                        other.metadata.get("exclusive") == name
                        and other.metadata.get("required")
                        for other in fields
                    )
                    exclusive[name] = container.add_mutually_exclusive_group(
                        required=required
                    )
                container = exclusive[name]
            container.add_argument(flag(field.name), **_argument(field, hints))


def _argument(field, hints):
    """The `add_argument` keywords of one config field."""
    metadata = field.metadata
    kind, _ = field_type(hints[field.name])
    several = typing.get_origin(kind) is list  # e.g. `list[str]`: one or more
    if several:
        (kind,) = typing.get_args(kind)
    help_text = metadata["help"]
    if kind is bool and field.default is True:
        # `--name` / `--no-name`, e.g. `--bias` / `--no-bias`.
        return {
            "action": argparse.BooleanOptionalAction,
            "default": True,
            "help": help_text + " (default: on)",
        }
    if kind is bool:
        return {"action": "store_true", "help": help_text}
    if field.default is not None:
        help_text += f" (default: {field.default})"
    keywords = {"type": kind, "default": field.default, "help": help_text}
    if several:
        keywords["nargs"] = "+"
    if kind in (int, float) and "choices" not in metadata:
        keywords["type"] = argument_type(kind, metadata.get("bounds") or ANY_NUMBER)
    for key in ("choices", "metavar"):
        if key in metadata:
            keywords[key] = metadata[key]
    if metadata.get("required") and not metadata.get("exclusive"):
        keywords["required"] = True
    return keywords


def config_from_arguments(config_cls, args):
    """The training config from parsed options.

    Args:
        config_cls: the dataclass `add_config_arguments` added options for.
        args: the `argparse.Namespace`.

    Returns:
        An instance of `config_cls`.

    Raises:
        ValueError: from the config's checks, naming the option.
    """
    values = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(config_cls)
        if hasattr(args, field.name)
    }
    return config_cls(**values)


def run_training(config_cls, train, args, argv):
    """Runs a `train` command: options -> config -> `train()` -> one line.

    Args:
        config_cls: the application's training config class.
        train: its `train(config, command)` function.
        args: the parsed options.
        argv: the command line, kept in the training record.

    Returns:
        0, the exit status.
    """
    from applications.common.training import summary_line

    config = config_from_arguments(config_cls, args)
    _, record = train(config, command=argv)
    print(f"Wrote preset {config.output!r}: {summary_line(record)}")
    return 0


def add_preset_argument(parser):
    """`--preset NAME_OR_DIR`: a built-in preset name or a preset directory."""
    parser.add_argument(
        "--preset",
        required=True,
        help="built-in preset name or preset directory (see `keras-attention presets`)",
    )


def add_batch_size_argument(parser):
    """`--batch-size` of the commands that run a preset."""
    parser.add_argument(
        "--batch-size",
        type=argument_type(int, "[1, inf)"),
        default=32,
        help="inputs per forward pass",
    )


def add_overflow_argument(parser):
    """`--on-overflow` of the commands that run a text preset (see
    `applications.common.texts.OVERFLOW_POLICIES`)."""
    from applications.common.texts import OVERFLOW_POLICIES

    parser.add_argument(
        "--on-overflow",
        choices=OVERFLOW_POLICIES,
        default="warn",
        help="a text longer than the model takes: cut it with a warning "
        "(default), cut it silently, or stop with an error",
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

"""Typed training configurations: the options every training recipe shares.

Each application's `training.py` defines a dataclass deriving from
`TrainingConfig` and a `train(config)` function. A field made with `option()`
carries its command-line help and the values it accepts (`bounds`, an
interval such as `"[1, inf)"`, or `choices`), so the `keras-attention train
...` commands are generated from the dataclass (see `applications.cli.options`)
and the defaults and checks live in one place. Every field is checked when
the config is made (`check_fields`): a `ValueError` (out of range, not a
choice) or `TypeError` (not a number) names the field, its command-line flag
and what was received. On the command line, argparse checks the same
interval and names the flag.

An application's config derives from `TrainingConfig` (or
`TransformerTrainingConfig`, `ClassificationTrainingConfig`) and sets the
defaults that suit it with `training_config(...)` instead of
`@dataclasses.dataclass`:

>>> @training_config(epochs=100, num_layers=4)
... class VisionTransformerTrainingConfig(ClassificationTrainingConfig):
...     dataset: str | None = option(None, "the image set", "data")
>>> config = VisionTransformerTrainingConfig(dataset="digits", output="out")
"""

import dataclasses
import os
import types
import typing

from applications.common.checks import (
    ANY_NUMBER,
    Interval,
    check_choice,
    check_number,
)
from applications.common.distribution import parse_mesh

# Command-line option groups, in the order `--help` lists them.
GROUPS = ("data", "split", "model", "training", "distribution", "run")


def option(default, help, group=None, bounds=None, **command_line):
    """A dataclass field with its command-line help and accepted values.

    Args:
        default: the default value.
        help: one line for `--help` (the default is appended).
        group: one of `GROUPS`, or None for the options listed first.
        bounds: for a number (an `int` or `float` field), the interval it
            must lie in, e.g. `"[1, inf)"` or `"[0, 1)"` (see
            `applications.common.checks.Interval`); None: any finite or
            infinite number. Checked from Python (`check_fields`) and on the
            command line.
        **command_line: more for the command line: `choices` (also checked
            from Python), `metavar`, `required` (the command line requires
            it; Python code need not give it), `exclusive` (the name of a
            group of options of which at most one is given; required if one
            of them says so).

    A `bool` field is a switch on the command line: `--name` turns on one
    that is off by default; one on by default gets `--name` / `--no-name`
    (e.g. the GPT's `bias`: `--no-bias`).

    Returns:
        `dataclasses.field`.
    """
    if group is not None and group not in GROUPS:
        raise ValueError(f"`group` must be one of {GROUPS}. Received: {group!r}")
    if bounds is not None:
        Interval(bounds)  # a typo fails when the config class is defined
    return dataclasses.field(
        default=default,
        metadata={"help": help, "group": group, "bounds": bounds, **command_line},
    )


def given_split_option(split):
    """The `validation_data` / `test_data` field of a config whose `data`
    is a file: a file in the same format for that split, so that none is
    carved from `data` (e.g. GLUE's dev.tsv, or a fixed test set).

    Args:
        split: `"validation"` or `"test"`.
    """
    return option(
        None,
        f"a file of {split} examples in --data's format: no random {split} "
        f"split is carved from the training data (--{split}-fraction is unused)",
        "split",
    )


def text_columns_option():
    """The `text_columns` field of a config whose `data` may be a TSV of
    texts (see `parse_text_columns`)."""
    return option(
        None,
        "for a TSV --data: the 0-based columns that make a document's text, "
        "e.g. 0,2 (default: all)",
        "data",
    )


def text_dataset_option():
    """The `dataset` field of a language-model config: a known text of
    `applications.data.language_modeling.DATASETS`, else `data`."""
    from applications.data.language_modeling import DATASETS

    return option(
        None,
        "a known text: tiny_shakespeare, tang_poems (Complete Tang Poems)",
        "data",
        exclusive="source",
        required=True,
        choices=tuple(DATASETS),
    )


def data_dir_option():
    """The `data_dir` field: where a `dataset` option's file is."""
    return option(
        None,
        "directory of the --dataset's file (default: ../shared/data/"
        "language_modeling if present, else download)",
        "data",
    )


def parse_text_columns(text_columns):
    """`text_columns` (`"0,2"`) as a list of ints, or None when unset.

    Raises:
        ValueError: for anything but comma-separated 0-based column numbers.
    """
    if text_columns is None:
        return None
    try:
        columns = [int(c) for c in str(text_columns).split(",")]
    except ValueError:
        columns = []
    if not columns or min(columns) < 0:
        raise ValueError(
            "`text_columns` (--text-columns) must list 0-based column "
            f"numbers, e.g. '0,2'. Received: {text_columns!r}"
        )
    return columns


def flag(name):
    """The command-line flag of a config field: `batch_size` -> `--batch-size`."""
    return "--" + name.replace("_", "-")


def field_type(hint):
    """`(kind, optional)` of a field's annotation: `int | None` -> `(int, True)`."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [kind for kind in typing.get_args(hint) if kind is not type(None)]
        if len(kinds) == 1:
            return kinds[0], len(kinds) < len(typing.get_args(hint))
    return hint, False


def check_fields(config):
    """Checks every field of a config against its type, `bounds` and `choices`.

    Args:
        config: a dataclass instance whose fields were made with `option()`.

    Raises:
        TypeError: for a value of another type (a string for a number, a
            float for an integer, ...), naming the field and its flag.
        ValueError: for a number outside its bounds or a value that is not
            one of its choices, naming the field and its flag.
    """
    hints = typing.get_type_hints(type(config))
    for field in dataclasses.fields(config):
        name, value = field.name, getattr(config, field.name)
        kind, optional = field_type(hints[name])
        shown = f"`{name}` ({flag(name)})"
        if value is None and optional:
            continue
        choices = field.metadata.get("choices")
        if kind in (int, float):
            bounds = field.metadata.get("bounds") or ANY_NUMBER
            check_number(
                value, name, bounds, kind is int, optional=optional, shown=shown
            )
        elif kind is bool and not isinstance(value, bool):
            raise TypeError(
                f"{shown} must be True or False. Received: {name}={value!r}"
            )
        elif typing.get_origin(kind) is list and not (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(item, (str, os.PathLike)) for item in value)
        ):
            raise TypeError(
                f"{shown} must be a non-empty list of strings"
                + (" or None" if optional else "")
                + f". Received: {name}={value!r}"
            )
        elif kind is str and not isinstance(value, (str, os.PathLike)):
            raise TypeError(
                f"{shown} must be a string"
                + (" or None" if optional else "")
                + f". Received: {name}={value!r} of type {type(value).__name__}"
            )
        if choices is not None:
            check_choice(value, name, choices, shown=shown)


@dataclasses.dataclass
class TrainingConfig:
    """What every training recipe takes beside its data and model options.

    `output` is the preset directory `train()` writes (None: nothing is
    written; the trained task is returned). The applications override
    defaults that suit them (e.g. more epochs for the Vision Transformer).
    """

    output: str | None = option(None, "preset directory to write", required=True)
    description: str | None = option(None, "description kept in the preset")
    validation_fraction: float = option(
        0.1, "share of the data used to pick the best epoch", "split", "[0, 1)"
    )
    test_fraction: float = option(
        0.1,
        "share of the data held out to measure the result (0: none)",
        "split",
        "[0, 1)",
    )
    epochs: int = option(10, "the most epochs to train", "training", "[1, inf)")
    batch_size: int = option(32, "examples per training step", "training", "[1, inf)")
    learning_rate: float = option(
        1e-3, "the peak learning rate", "training", "(0, inf)"
    )
    patience: int | None = option(
        None,
        "stop after this many epochs without a better validation score "
        "(unset: train all epochs)",
        "training",
        "[0, inf)",
    )
    distribution: str | None = option(
        None,
        "train on several devices with keras.distribution (JAX backend): data "
        "(weights replicated, each batch split over the devices) or model "
        "(weights also sharded over the mesh's model axis)",
        "distribution",
        choices=("data", "model"),
    )
    mesh: str | None = option(
        None,
        "device mesh BATCHxMODEL, e.g. 2x4 (default: every device on the batch "
        "axis for data; for model, --model-parallel devices on the model axis)",
        "distribution",
    )
    model_parallel: int | None = option(
        None,
        "devices on the model axis when --mesh is not given (default: all)",
        "distribution",
        "[1, inf)",
    )
    seed: int = option(
        1337, "seed of the splits, weights and shuffling", "run", "[0, 4294967296)"
    )
    steps_per_epoch: int | None = option(
        None, "cap on batches per epoch (smoke tests)", "run", "[1, inf)"
    )
    checkpoint: str | None = option(
        None,
        "best-weights file, outside --output (default: runs/<output name>/"
        "best.weights.h5; runs/<output name>.run/ for an --output under runs/)",
        "run",
    )
    verbose: int = option(
        1, "0 silent, 1 progress bar, 2 one line per epoch", "run", choices=(0, 1, 2)
    )
    overwrite: bool = option(
        False,
        "replace an existing --output (once the new one is complete) and this "
        "run's checkpoint and backup under runs/",
        "run",
    )
    resume: bool = option(
        False,
        "continue an interrupted run from its last completed epoch (its backup "
        "beside the checkpoint: runs/<output name>/best.backup)",
        "run",
    )

    def __post_init__(self):
        check_fields(self)
        fractions = self.split_options()
        if fractions["validation_fraction"] + fractions["test_fraction"] >= 1.0:
            raise ValueError(
                "`validation_fraction` (--validation-fraction) and "
                "`test_fraction` (--test-fraction) must add up to less than 1, "
                "to leave training data. Received: validation_fraction="
                f"{self.validation_fraction}, test_fraction={self.test_fraction}"
            )
        if self.distribution is None and (self.mesh or self.model_parallel):
            raise ValueError(
                "`mesh` (--mesh) and `model_parallel` (--model-parallel) need "
                "`distribution` (--distribution data|model). Received: "
                f"mesh={self.mesh!r}, model_parallel={self.model_parallel!r}"
            )
        if self.mesh is not None:
            parse_mesh(self.mesh)

    def given_split_file(self, split):
        """The file given for `split` (`"validation"` or `"test"`: the
        `validation_data` / `test_data` fields of configs that have them),
        or None when the split is carved from the data."""
        return getattr(self, f"{split}_data", None)

    def split_options(self):
        """`validation_fraction`, `test_fraction` and `seed`, for a split
        of the data; 0 for a split given as a file."""
        return {
            f"{split}_fraction": 0.0
            if self.given_split_file(split)
            else getattr(self, f"{split}_fraction")
            for split in ("validation", "test")
        } | {"seed": self.seed}

    def split_sources(self):
        """Where each split's examples come from, for the record:
        `{"train", "validation", "test"}` -> a description (None: none)."""
        data = getattr(self, "data", None) or getattr(self, "dataset", None)
        if isinstance(data, (list, tuple)):  # several files
            data = ", ".join(map(str, data))
        fractions = self.split_options()
        sources = {"train": data}
        for split in ("validation", "test"):
            fraction = fractions[f"{split}_fraction"]
            sources[split] = self.given_split_file(split) or (
                f"{fraction:g} of {data}" if fraction else None
            )
        return sources


def training_config(**defaults):
    """`@dataclasses.dataclass`, with other defaults for inherited fields.

    Args:
        **defaults: field name -> its new default, or an `option(...)` that
            replaces the field's default and help.

    Returns:
        A class decorator.

    Raises:
        TypeError: for a name that is no inherited field.
    """

    def decorate(cls):
        inherited = {}
        for base in reversed(cls.__mro__[1:]):
            if dataclasses.is_dataclass(base):
                inherited.update({f.name: f for f in dataclasses.fields(base)})
        annotations = dict(cls.__dict__.get("__annotations__", {}))
        for name, value in defaults.items():
            if name not in inherited:
                raise TypeError(
                    f"{cls.__name__}: {name!r} is no field of its bases; "
                    f"known: {sorted(inherited)}"
                )
            field = inherited[name]
            if not isinstance(value, dataclasses.Field):
                value = dataclasses.field(default=value, metadata=field.metadata)
            setattr(cls, name, value)
            annotations[name] = field.type
        cls.__annotations__ = annotations
        return dataclasses.dataclass(cls)

    return decorate


@dataclasses.dataclass
class TransformerTrainingConfig(TrainingConfig):
    """The size of a Transformer, beside the training options."""

    num_layers: int = option(2, "Transformer blocks", "model", "[1, inf)")
    num_heads: int = option(4, "attention heads", "model", "[1, inf)")
    hidden_dim: int = option(
        128, "d_model, the width of the token vectors", "model", "[1, inf)"
    )
    intermediate_dim: int = option(512, "feed-forward width d_ff", "model", "[1, inf)")
    dropout: float = option(0.1, "dropout rate", "model", "[0, 1)")

    def check_model_shards(self, shards):
        """Checks that the heads and widths divide over `shards` devices.

        Raises:
            ValueError: naming the first option that does not divide.
        """
        for name in ("num_heads", "hidden_dim", "intermediate_dim"):
            value = getattr(self, name)
            if value % shards:
                raise ValueError(
                    f"`{name}` ({flag(name)}) must be divisible by the {shards} "
                    f"devices of the mesh's model axis. Received: {name}={value}"
                )


@dataclasses.dataclass
class ClassificationTrainingConfig(TransformerTrainingConfig):
    """A classifier: its pooling, and AdamW's weight decay."""

    pooling: str = option(
        "token",
        "the first token's vector ([CLS], or the class token) or the mean "
        "over the tokens",
        "model",
        choices=("token", "mean"),
    )
    weight_decay: float = option(
        0.0, "AdamW's decoupled weight decay", "training", "[0, inf)"
    )

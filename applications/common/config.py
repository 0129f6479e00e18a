"""Typed training configurations: the options every training recipe shares.

Each application's `training.py` defines a dataclass deriving from
`TrainingConfig` and a `train(config)` function. A field made with `option()`
carries its command-line help, so the `keras-attention train ...` commands
are generated from the dataclass (see `applications.cli.options`) and the
defaults live in one place. Values are checked when the config is made: a
`ValueError` names the field, its command-line flag and what was received.

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

from applications.common.distribution import parse_mesh

# Command-line option groups, in the order `--help` lists them.
GROUPS = ("data", "split", "model", "training", "distribution", "run")


def option(default, help, group=None, **command_line):
    """A dataclass field with its command-line help.

    Args:
        default: the default value.
        help: one line for `--help` (the default is appended).
        group: one of `GROUPS`, or None for the options listed first.
        **command_line: more for the command line: `choices`, `metavar`,
            `required` (the command line requires it; Python code need not
            give it), `exclusive` (the name of a group of options of which
            at most one is given; required if one of them says so).

    Returns:
        `dataclasses.field`.
    """
    if group is not None and group not in GROUPS:
        raise ValueError(f"`group` must be one of {GROUPS}. Received: {group!r}")
    return dataclasses.field(
        default=default, metadata={"help": help, "group": group, **command_line}
    )


def flag(name):
    """The command-line flag of a config field: `batch_size` -> `--batch-size`."""
    return "--" + name.replace("_", "-")


def check_range(
    config, name, low=None, high=None, low_open=False, high_open=True, optional=False
):
    """Checks that `config.<name>` is a number in a range.

    Args:
        config: the dataclass instance.
        name: the field.
        low, high: the bounds (None: unbounded).
        low_open, high_open: whether `low` / `high` itself is excluded.
        optional: whether None is allowed.

    Raises:
        ValueError: naming the field and its flag, the range and the value.
    """
    value = getattr(config, name)
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        inside = False
    else:
        inside = (low is None or (value > low if low_open else value >= low)) and (
            high is None or (value < high if high_open else value <= high)
        )
    if not inside:
        interval = (
            f"{'(' if low_open else '['}{'-inf' if low is None else low}, "
            f"{'inf' if high is None else high}{')' if high_open else ']'}"
        )
        raise ValueError(
            f"`{name}` ({flag(name)}) must be in {interval}"
            + (" or None" if optional else "")
            + f". Received: {name}={value!r}"
        )


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
        0.1, "share of the data used to pick the best epoch", "split"
    )
    test_fraction: float = option(
        0.1, "share of the data held out to measure the result (0: none)", "split"
    )
    epochs: int = option(10, "the most epochs to train", "training")
    batch_size: int = option(32, "examples per training step", "training")
    learning_rate: float = option(1e-3, "the peak learning rate", "training")
    patience: int | None = option(
        None,
        "stop after this many epochs without a better validation score "
        "(unset: train all epochs)",
        "training",
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
    )
    seed: int = option(1337, "seed of the splits, weights and shuffling", "run")
    steps_per_epoch: int | None = option(
        None, "cap on batches per epoch (smoke tests)", "run"
    )
    checkpoint: str | None = option(
        None,
        "best-weights file (default: runs/<output name>/best.weights.h5)",
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
        check_range(self, "validation_fraction", 0.0, 1.0)
        check_range(self, "test_fraction", 0.0, 1.0)
        check_range(self, "epochs", 1)
        check_range(self, "batch_size", 1)
        check_range(self, "learning_rate", 0.0, low_open=True)
        check_range(self, "patience", 0, optional=True)
        check_range(self, "steps_per_epoch", 1, optional=True)
        check_range(self, "model_parallel", 1, optional=True)
        if self.distribution is None and (self.mesh or self.model_parallel):
            raise ValueError(
                "`mesh` (--mesh) and `model_parallel` (--model-parallel) need "
                "`distribution` (--distribution data|model). Received: "
                f"mesh={self.mesh!r}, model_parallel={self.model_parallel!r}"
            )
        if self.mesh is not None:
            parse_mesh(self.mesh)
        if self.verbose not in (0, 1, 2):
            raise ValueError(
                f"`verbose` (--verbose) must be 0, 1 or 2. Received: {self.verbose!r}"
            )

    def split_options(self):
        """`validation_fraction`, `test_fraction` and `seed`, for a split."""
        return {
            "validation_fraction": self.validation_fraction,
            "test_fraction": self.test_fraction,
            "seed": self.seed,
        }


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

    num_layers: int = option(2, "Transformer blocks", "model")
    num_heads: int = option(4, "attention heads", "model")
    hidden_dim: int = option(128, "d_model, the width of the token vectors", "model")
    intermediate_dim: int = option(512, "feed-forward width d_ff", "model")
    dropout: float = option(0.1, "dropout rate", "model")

    def __post_init__(self):
        super().__post_init__()
        for name in ("num_layers", "num_heads", "hidden_dim", "intermediate_dim"):
            check_range(self, name, 1)
        check_range(self, "dropout", 0.0, 1.0)

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
    weight_decay: float = option(0.0, "AdamW's decoupled weight decay", "training")

    def __post_init__(self):
        super().__post_init__()
        check_range(self, "weight_decay", 0.0)

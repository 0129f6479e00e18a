"""Checks of the numbers and choices the applications take, in one place.

A training config's fields, the command line's options and the task methods'
arguments (`batch_size`, `num_beams`, `max_length`, ...) share one rule: an
interval written as in mathematics, `"[1, inf)"`, `"(0, 1]"`, with an
integer or a number required. The errors name the argument and say what was
received and what was expected:

>>> check_number(0, "batch_size", "[1, inf)", integer=True)
ValueError: `batch_size` must be an integer in [1, inf). Received: batch_size=0

On the command line the same interval checks an option as argparse parses it
(`argument_type`), so the error names the flag.
"""

import argparse
import dataclasses
import math
import numbers
import re

# The interval of a number without bounds.
ANY_NUMBER = "[-inf, inf]"
_INTERVAL = re.compile(
    r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^\]\)\s]+)\s*([\])])\s*$"  # "[low, high)"
)


@dataclasses.dataclass(frozen=True)
class Interval:
    """An interval of numbers, parsed from its written form, e.g. `"[0, 1)"`.

    Args:
        text: `[` or `(`, the low end (`-inf` for none), a comma, the high
            end (`inf` for none), `]` or `)`.

    Raises:
        ValueError: for text that is no interval.
    """

    text: str

    def __post_init__(self):
        match = _INTERVAL.match(self.text)
        try:
            low, high = float(match.group(2)), float(match.group(3))
        except (AttributeError, ValueError):
            low = high = math.nan
        if not low <= high:
            raise ValueError(
                "An interval must read like '[1, inf)' or '(0, 1]'. "
                f"Received: {self.text!r}"
            )

    @property
    def bounds(self):
        """`(low, high, low_open, high_open)`."""
        match = _INTERVAL.match(self.text)
        opening, low, high, closing = match.groups()
        return float(low), float(high), opening == "(", closing == ")"

    def __contains__(self, value):
        low, high, low_open, high_open = self.bounds
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        return bool(above and below)

    def __str__(self):
        return self.text.strip()


def is_number(value, integer=False):
    """Whether `value` is a real number (an integer if `integer`); bools are not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return isinstance(value, numbers.Integral) if integer else True


def _kind(integer):
    return "an integer" if integer else "a number"


def check_number(value, name, interval, integer=False, optional=False, shown=None):
    """Checks that `value` is a number (or an integer) in `interval`.

    Args:
        value: what was received.
        name: the argument's name, used in the message.
        interval: an `Interval` or its text, e.g. `"[1, inf)"`.
        integer: whether an integer is required (a float is then refused).
        optional: whether None is accepted.
        shown: how the argument is named at the start of the message
            (default: `` `name` ``), e.g. `` `epochs` (--epochs) ``.

    Returns:
        `value`.

    Raises:
        TypeError: for a value that is no number (or no integer).
        ValueError: for a number outside the interval, or NaN.
    """
    interval = interval if isinstance(interval, Interval) else Interval(interval)
    if optional and value is None:
        return value
    shown = shown or f"`{name}`"
    expected = f"{_kind(integer)} in {interval}" + (" or None" if optional else "")
    received = f"Received: {name}={value!r}"
    if not is_number(value, integer):
        raise TypeError(
            f"{shown} must be {expected}. {received} of type {type(value).__name__}"
        )
    if value not in interval:
        raise ValueError(f"{shown} must be {expected}. {received}")
    return value


def check_choice(value, name, choices, shown=None):
    """Checks that `value` is one of `choices`.

    Returns:
        `value`.

    Raises:
        ValueError: naming the argument, the choices and what was received.
    """
    if value not in choices:
        shown = shown or f"`{name}`"
        raise ValueError(
            f"{shown} must be one of {tuple(choices)}. Received: {name}={value!r}"
        )
    return value


def require_preprocessor(task, method, purpose="to tokenize strings"):
    """Raises `ValueError` naming `method` when `task` has no preprocessor:
    `"`translate()` needs a preprocessor to tokenize strings. Received a
    Translator with preprocessor=None."`."""
    if task.preprocessor is None:
        raise ValueError(
            f"`{method}()` needs a preprocessor {purpose}. Received a "
            f"{type(task).__name__} with preprocessor=None."
        )


def check_tokenizer_fits_backbone(tokenizer, backbone):
    """Raises `ValueError` when `tokenizer`'s vocabulary size is not
    `backbone.vocabulary_size`; a tokenizer without a vocabulary yet (a
    preset loads it after the task) passes."""
    try:
        vocabulary_size = tokenizer.vocabulary_size()
    except ValueError:
        return
    if vocabulary_size != backbone.vocabulary_size:
        raise ValueError(
            "The preprocessor's tokenizer must have the backbone's vocabulary. "
            f"Received: a tokenizer of {vocabulary_size} tokens, a backbone of "
            f"vocabulary_size={backbone.vocabulary_size}"
        )


def check_backbone_sizes(**sizes):
    """Checks a backbone's sizes: each a positive integer.

    Raises:
        ValueError: naming the first size that is not, e.g.
            `` `num_layers` must be a positive integer. Received: num_layers=0 ``.
    """
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"`{name}` must be a positive integer. Received: {name}={value!r}"
            )


def check_heads_divide(hidden_dim, num_heads):
    """Checks that `num_heads` divides `hidden_dim` (as in the paper, each
    head has `hidden_dim // num_heads` features).

    Raises:
        ValueError: naming both.
    """
    if hidden_dim % num_heads:
        raise ValueError(
            "`num_heads` must divide `hidden_dim` (each head has "
            f"hidden_dim // num_heads features). Received: "
            f"hidden_dim={hidden_dim}, num_heads={num_heads}"
        )


def argument_type(kind, interval):
    """An argparse `type=` that parses a number and checks its interval.

    argparse reports the `ArgumentTypeError` with the option's flag, e.g.
    `argument --batch-size: must be an integer in [1, inf). Received: 0`.

    Args:
        kind: `int` or `float`.
        interval: an `Interval` or its text.

    Returns:
        A function of the option's text.
    """
    interval = interval if isinstance(interval, Interval) else Interval(interval)
    integer = kind is int

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be {_kind(integer)} in {interval}. Received: {text!r}"
            ) from None
        if value not in interval:
            raise argparse.ArgumentTypeError(
                f"must be {_kind(integer)} in {interval}. Received: {text}"
            )
        return value

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse

"""Eager checks of Python text inputs, shared by the text applications.

Empty or non-string texts are reported here, with their index, before a
`tf.data` pipeline tokenizes them (inside the pipeline they cannot be).

Texts longer than a model takes follow one policy, `on_overflow`, in every
method that reads them (`TextClassifier.classify`, `Translator.translate`
and `generate`, the `classify` and `translate` commands):

- `"warn"` (the default): cut to the model's length, with one
  `UserWarning` per call naming how many texts were cut, the longest one's
  length in tokens and the model's limit;
- `"truncate"`: cut without a word;
- `"error"`: raise a `ValueError` instead.
"""

import sys
import warnings
from pathlib import Path

import numpy as np

from applications.common.checks import check_choice

OVERFLOW_POLICIES = ("warn", "truncate", "error")
# Warnings name the first caller outside this package.
_PACKAGE = str(Path(__file__).resolve().parents[1])


def is_python_text(x):
    """Whether `x` is Python / numpy text (checked eagerly), not a tensor."""
    if isinstance(x, (str, bytes, list)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in ("U", "S", "O")


def check_texts(texts, name="texts", allow_empty=False):
    """Checks a batch of Python strings before tokenizing.

    Args:
        texts: a string or a list / tuple / 1-D array of strings (bytes are
            decoded as UTF-8).
        name: the argument name used in errors.
        allow_empty: whether an empty (or blank) string is accepted, e.g.
            a prompt to generate from nothing.

    Returns:
        list of str.

    Raises:
        TypeError: if `texts` or one of its items is not a string.
        ValueError: if the batch (or, unless `allow_empty`, one of its
            strings) is empty.
    """
    if isinstance(texts, (str, bytes)):
        texts = [texts]
    if isinstance(texts, np.ndarray):
        texts = texts.tolist()
    if not isinstance(texts, (list, tuple)):
        raise TypeError(
            f"`{name}` must be a string or a list of strings. Received: "
            f"{type(texts).__name__} {texts!r:.80}"
        )
    if not texts:
        raise ValueError(f"`{name}` must hold at least one text. Received: []")
    checked = []
    for index, text in enumerate(texts):
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValueError(
                    f"`{name}` holds bytes that are not UTF-8 at index {index} "
                    f"({error.reason} at byte {error.start}); expected str or "
                    "UTF-8 bytes."
                ) from None
        if not isinstance(text, str):
            raise TypeError(
                f"`{name}` must hold strings. Received {type(text).__name__} "
                f"{text!r:.80} at index {index}."
            )
        if not allow_empty and not text.strip():
            raise ValueError(
                f"`{name}` holds an empty string at index {index} ({text!r}); "
                "expected non-empty text."
            )
        checked.append(text)
    return checked


def check_lengths(tokenizer, texts, limit, reserved, on_overflow, name="texts"):
    """Applies the `on_overflow` policy to texts longer than a model takes.

    Args:
        tokenizer: the tokenizer that will read `texts` (a keras-hub
            tokenizer: a list of strings gives a list of token id lists).
        texts: list of str, already checked (`check_texts`).
        limit: the most tokens the model takes, `reserved` included.
        reserved: the special tokens packed around each text (e.g. `[CLS]`
            and `[SEP]`: 2).
        on_overflow: one of `OVERFLOW_POLICIES`.
        name: the argument name used in the message.

    Returns:
        list of int: each text's length in tokens, `reserved` included; None
        with `"truncate"`, which tokenizes nothing (the pipeline cuts).

    Raises:
        ValueError: for another `on_overflow`, or with `"error"` when a text
            is too long (naming it by index, its length and the limit).
    """
    check_choice(on_overflow, "on_overflow", OVERFLOW_POLICIES)
    if on_overflow == "truncate":
        return None
    lengths = [len(ids) + reserved for ids in tokenizer(list(texts))]
    over = [index for index, length in enumerate(lengths) if length > limit]
    if not over:
        return lengths
    longest = max(over, key=lambda index: lengths[index])
    message = (
        f"{len(over)} of the {len(texts)} `{name}` {'is' if len(over) == 1 else 'are'}"
        f" longer than the model's limit of {limit} tokens ({reserved} special "
        f"tokens included): {name}[{longest}] has {lengths[longest]} tokens"
    )
    if on_overflow == "error":
        raise ValueError(
            f"{message}. Shorten them, or pass on_overflow='warn' or 'truncate' "
            f"to read only their first {limit - reserved} tokens."
        )
    warnings.warn(
        f"{message}; only their first {limit - reserved} tokens are read. Pass "
        "on_overflow='truncate' to cut them without this warning, or 'error' "
        "to refuse them.",
        UserWarning,
        stacklevel=_caller_outside_package(),
    )
    return lengths


def _caller_outside_package():
    """The `stacklevel` at which `warnings.warn`, called by the function
    calling this one, names the first caller outside `applications`."""
    level, frame = 2, sys._getframe(2)  # level 2: the warning caller's caller
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level

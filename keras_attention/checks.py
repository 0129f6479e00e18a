"""Checks of the layers' and ops' arguments, shared so that every layer
answers the same bad input with the same error on every backend.

Each check raises a `ValueError` (a wrong value, shape or range) or a
`TypeError` (a tensor of the wrong dtype, an index that is no integer)
whose message names the argument in backticks, quotes what was received
(`Received: name=...`) and says what was expected.

Values are read only when they are known (`keras_attention.compat.is_concrete`):
inside `jax.jit`, `tf.function` or `torch.compile` an index is left to the
caller, which clips it to its range (the behaviour each layer documents).
"""

import inspect
import math
import numbers

import keras
import numpy as np
from keras import ops

from keras_attention.compat import is_concrete

# --- Constructor arguments ----------------------------------------------------


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def positive_int(name, value, allow_none=False):
    """`value` as an int; raises a ValueError unless it is an integer >= 1
    (None passes through if `allow_none`). Booleans are not integers here."""
    if value is None and allow_none:
        return None
    if _is_bool(value) or not isinstance(value, numbers.Integral) or value <= 0:
        expected = "a positive integer" + (" or None" if allow_none else "")
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={value!r}")
    return int(value)


def rate(name, value):
    """`value` as a float; raises a ValueError unless it is a number in [0, 1)."""
    if _is_bool(value) or not isinstance(value, numbers.Real) or not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value!r}")
    return float(value)


def positive_number(name, value):
    """Returns `value`; raises a ValueError unless it is a finite number > 0."""
    if (
        _is_bool(value)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"`{name}` must be a positive, finite number. Received: {name}={value!r}"
        )
    return value


def boolean(name, value):
    """`value` as a bool; raises a ValueError unless it is True or False."""
    if not _is_bool(value):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return bool(value)


def one_of(name, value, choices):
    """Raises a ValueError unless `value` is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"`{name}` must be one of {choices}. Received: {name}={value!r}"
        )
    return value


def initializer(name, identifier, default):
    """`keras.initializers.get(identifier)`, with a ValueError naming `name`.

    None stands for `default` (the layer's default initializer), as Keras
    layers take `kernel_initializer=None`, and as configs saved with None
    hold it.
    """
    if identifier is None:
        identifier = default
    try:
        result = keras.initializers.get(identifier)
    except (ValueError, TypeError) as error:
        result, cause = None, error
    else:
        cause = None
    if result is None:
        raise ValueError(
            f"`{name}` must be a Keras initializer, its name or its config "
            f"(None for the default, {default!r}). Received: {name}={identifier!r}"
        ) from cause
    return result


def activation(name, identifier):
    """`keras.activations.get(identifier)`, with a ValueError naming `name`.
    None is the linear activation, as in Keras."""
    try:
        return keras.activations.get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"`{name}` must be a Keras activation, its name or a callable "
            f"(None for linear). Received: {name}={identifier!r}"
        ) from error


# --- Tensors --------------------------------------------------------------------


def _dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


def _shape(x):
    return tuple(x.shape)


def floating(name, x):
    """Raises a TypeError unless `x` is a floating-point tensor."""
    dtype = _dtype(x)
    if "float" not in dtype:
        raise TypeError(
            f"`{name}` must be a floating-point tensor. Received: "
            f"{name}.dtype={dtype}. Cast it first (ops.cast({name}, 'float32')); "
            "token ids go through an embedding first."
        )


def rank(name, x, ranks, description):
    """Raises a ValueError unless `x` has one of `ranks` dimensions."""
    if len(x.shape) not in ranks:
        raise ValueError(
            f"`{name}` must have rank {' or '.join(map(str, ranks))} "
            f"{description}. Received: {name}.shape={_shape(x)}"
        )


def same_batch(**tensors):
    """Raises a ValueError unless the known batch sizes (first axes) of
    `tensors` (given by name) are equal: no silent broadcasting."""
    known = {name: x for name, x in tensors.items() if x is not None and x.shape[0]}
    if len({x.shape[0] for x in known.values()}) > 1:
        received = ", ".join(f"{name}.shape={_shape(x)}" for name, x in known.items())
        names = " and ".join(f"`{name}`" for name in known)
        raise ValueError(f"{names} must have the same batch size. Received: {received}")


def mask_dtype(name, value):
    """Raises a TypeError unless the mask `value` (or None) is boolean or
    integer: a float mask is ambiguous (additive 0 / -inf, or
    multiplicative 1 / 0)."""
    if value is None:
        return
    dtype = _dtype(value)
    if dtype != "bool" and "int" not in dtype:
        raise TypeError(
            f"`{name}` must be boolean (True: may attend) or 0/1 integers. "
            f"Received: {name}.dtype={dtype}. Convert an additive float mask "
            f"(0 keeps, -inf drops) with `{name} == 0`, a 0/1 float mask with "
            f"`{name} > 0`."
        )


def mask(name, value, expected):
    """Checks a mask's dtype and shape.

    Args:
        name: the argument's name.
        value: the mask, or None (nothing to check).
        expected: the expected shape, a tuple of ints or None (unknown);
            exact, for padding masks (see `attention_mask` for masks that
            broadcast).

    Raises:
        TypeError: for a mask that is neither boolean nor integer (a float
            mask is ambiguous: additive 0 / -inf, or multiplicative 1 / 0).
        ValueError: for a shape other than `expected`.
    """
    if value is None:
        return
    mask_dtype(name, value)
    shape = _shape(value)
    matches = len(shape) == len(expected) and all(
        None in (got, want) or got == want for got, want in zip(shape, expected)
    )
    if not matches:
        described = tuple("?" if size is None else size for size in expected)
        raise ValueError(
            f"`{name}` must have shape {described}. "
            f"Received: {name}.shape={_shape(value)}"
        )


def _described(shape):
    return (
        "("
        + ", ".join("?" if n is None else str(n) for n in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def broadcastable(name, x, target, target_name, note=""):
    """Raises a ValueError unless `x` broadcasts to the shape `target`
    (of at most as many axes, each equal or 1); `note` ends the message."""
    shape, target = _shape(x), tuple(target)
    fits = len(shape) <= len(target) and all(
        None in (got, want) or got in (1, want)
        for got, want in zip(shape[::-1], target[::-1])
    )
    if not fits:
        raise ValueError(
            f"`{name}` must broadcast to {target_name} {_described(target)}{note}. "
            f"Received: {name}.shape={shape}"
        )


def attention_mask(name, value, expected):
    """Checks an attention mask: boolean or 0/1 integers (see `mask`), of
    rank 2 or 3 and broadcastable to `expected`, the (B, T, S) shape of the
    scores (a tuple of ints or None). So (B, T, S), (B, 1, S), (1, T, S),
    (T, S) and (1, S) all pass, as they do in `merge_attention_masks`.

    Raises:
        TypeError: for a float mask.
        ValueError: for another rank, or a shape that does not broadcast.
    """
    if value is None:
        return
    mask_dtype(name, value)
    legend = " (batch, query_length, key_length)"
    if len(value.shape) not in (2, 3):
        raise ValueError(
            f"`{name}` must have rank 2 or 3 and broadcast to shape "
            f"{_described(expected)}{legend}. Received: {name}.shape={_shape(value)}"
        )
    broadcastable(
        name,
        value,
        expected,
        "shape",
        legend + ": each axis equal or 1, the batch axis may be absent",
    )


# --- Indices --------------------------------------------------------------------


def known_integer(name, value):
    """The value of an integer scalar when it is known now, else None.

    Args:
        name: the argument's name.
        value: a Python int, or an integer scalar tensor or array.

    Returns:
        An int, or None for a tensor being traced (`jax.jit`,
        `tf.function`, symbolic calls): then only its dtype is checked.

    Raises:
        TypeError: for anything but an integer (a float, a bool, a string).
        ValueError: for a tensor that is not a scalar.
    """
    if isinstance(value, numbers.Integral) and not _is_bool(value):
        return int(value)
    if getattr(value, "dtype", None) is None or "int" not in _dtype(value):
        received = (
            f"{name}={value!r}"
            if getattr(value, "dtype", None) is None
            else f"{name}.dtype={_dtype(value)}"
        )
        raise TypeError(
            f"`{name}` must be an integer or an integer scalar tensor. "
            f"Received: {received}"
        )
    if len(value.shape) != 0:
        raise ValueError(
            f"`{name}` must be a scalar. Received: {name}.shape={_shape(value)}"
        )
    if not is_concrete(value):
        return None
    return int(ops.convert_to_numpy(value))


def known_start_index(value):
    """Checks a `start_index` (a Python int or an integer scalar tensor);
    returns its value when known, else None (a traced tensor).

    A tensor's value is read once here (on eager torch or a GPU, a
    device-to-host copy): callers pass the result on (see
    `start_index`) so that inner layers do not read it again.

    Raises:
        TypeError: for a `start_index` that is not an integer.
        ValueError: for a non-scalar or a known negative `start_index`.
    """
    start = known_integer("start_index", value)
    if start is not None and start < 0:
        raise ValueError(
            "`start_index` is the position of the first token. Received: "
            f"start_index={start}, expected start_index >= 0"
        )
    return start


def start_index(value):
    """Checks a `start_index` as `known_start_index`; returns it as a Python
    int when known (reading a Python int again costs nothing), else the
    traced tensor as it is."""
    start = known_start_index(value)
    return value if start is None else start


def clip_index(index, low, high):
    """`index` clipped to [low, high]: a Python int is returned as it is (it
    was checked), a tensor (possibly traced) is clipped."""
    if isinstance(index, numbers.Integral):
        return index
    return ops.minimum(ops.maximum(index, low), high)


def token_ids_in_range(name, ids, vocabulary_size):
    """Raises a ValueError if known token `ids` fall outside
    [0, `vocabulary_size`); traced ids are not read."""
    if not is_concrete(ids):
        return
    values = np.asarray(ops.convert_to_numpy(ids))
    if values.size == 0:
        return
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= vocabulary_size:
        bad = low if low < 0 else high
        raise ValueError(
            f"`{name}` holds a token id outside [0, vocabulary_size). Received: "
            f"a token id of {bad} (ids from {low} to {high}), expected ids in "
            f"[0, {vocabulary_size}) for vocabulary_size={vocabulary_size}"
        )


# --- Nested lists -------------------------------------------------------------


def _all_numbers(value):
    if isinstance(value, (list, tuple)):
        return all(_all_numbers(item) for item in value)
    return isinstance(value, (numbers.Number, np.bool_))


def _is_number_list(value):
    """Whether `value` is a non-empty (nested) list or tuple of numbers."""
    return isinstance(value, (list, tuple)) and bool(value) and _all_numbers(value)


def _array(name, value):
    try:
        return np.asarray(value)
    except ValueError as error:
        raise ValueError(
            f"`{name}` is a nested list whose rows differ in length, which "
            f"makes no tensor. Received: {name}={value!r}"
        ) from error


class AcceptsNestedLists:
    """Mixin of the public layers: tensor arguments given as nested Python
    lists of numbers (`layer([[[0.1, 0.2]]])`) become numpy arrays before
    `keras.layers.Layer.__call__`, which takes only tensors positionally,
    so the layer then treats them as any array: float lists are cast to
    the layer's dtype, integer lists stay integers, on every backend.
    Ragged lists raise a ValueError naming the argument.
    """

    def __call__(self, *args, **kwargs):
        if any(_is_number_list(value) for value in (*args, *kwargs.values())):
            names = list(inspect.signature(self.call).parameters)
            args = tuple(
                _array(names[min(i, len(names) - 1)], arg)
                if _is_number_list(arg)
                else arg
                for i, arg in enumerate(args)
            )
            kwargs = {
                name: _array(name, value) if _is_number_list(value) else value
                for name, value in kwargs.items()
            }
        return super().__call__(*args, **kwargs)

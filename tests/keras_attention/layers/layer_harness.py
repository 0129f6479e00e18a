"""One harness for every layer: a tiny configuration and its inputs.

`LAYER_CASES` holds, per public layer, a factory, non-default constructor
arguments and example inputs small enough that the same checks (config round
trip through JSON with default and non-default arguments, `.keras`
save/load, symbolic vs eager call, a `model.fit` step, mixed precision) run
on every backend within the suite's time budget. `test_layer_harness.py`
applies the checks.

Shape legend: B batch (2), T query length (4), S key length (6), E width (8).
"""

import dataclasses

import keras
import numpy as np

from keras_attention import layers

# The same shapes as most other layer tests: jax compiles each op once per
# shape, so shared shapes keep the suite fast.
BATCH, QUERY_LENGTH, KEY_LENGTH, WIDTH = 2, 4, 6, 8


def random_floats(*shape, seed=0):
    """Standard-normal float32 array of `shape`."""
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@dataclasses.dataclass
class LayerCase:
    """A layer under test.

    Args:
        name: test id.
        make: `make(**kwargs)` returns a fresh layer; kwargs go to the
            constructor (e.g. `dtype`).
        inputs: positional call inputs (numpy arrays).
        is_attention: whether the layer takes the attention call signature
            (`attention_mask`, `return_attention_scores`, ...).
        masked_call: kwargs of a call in which some rows have no key to
            attend to (the mixed precision check), or None.
        fully_masked_rows: (batch, query) index pairs whose output must be 0
            in `masked_call`.
        custom_kwargs: constructor kwargs other than the defaults (objects
            as well as names for initializers and activations, where the
            layer takes them), for the config round trip.
    """

    name: str
    make: callable
    inputs: tuple
    is_attention: bool = False
    masked_call: dict = None
    fully_masked_rows: tuple = ()
    custom_kwargs: dict = dataclasses.field(default_factory=dict)


def _attention_mask_with_an_empty_row():
    """(B, T, S) mask where query 1 of example 0 may attend no key."""
    mask = np.ones((BATCH, QUERY_LENGTH, KEY_LENGTH), bool)
    mask[0, 1, :] = False
    mask[1, :, 3:] = False
    return mask


def _padding_with_an_empty_sequence(length):
    """(B, length) padding mask: example 0 entirely padding, example 1 half."""
    mask = np.ones((BATCH, length), bool)
    mask[0, :] = False
    mask[1, length // 2 :] = False
    return mask


_QUERY = random_floats(BATCH, QUERY_LENGTH, WIDTH, seed=1)
_VALUE = random_floats(BATCH, KEY_LENGTH, WIDTH, seed=2)
_ATTENTION_MASKED = {"attention_mask": _attention_mask_with_an_empty_row()}
_EMPTY_ROWS = ((0, 1),)
# Non-default initializers, given as objects and as names.
_SEEDED_NORMAL = keras.initializers.RandomNormal(stddev=0.3, seed=1)
_CONSTANT = keras.initializers.Constant(0.1)

LAYER_CASES = [
    LayerCase(
        "additive_attention",
        lambda **kw: layers.AdditiveAttention(units=6, **kw),
        (_QUERY, random_floats(BATCH, KEY_LENGTH, 6, seed=3)),
        is_attention=True,
        masked_call=_ATTENTION_MASKED,
        fully_masked_rows=_EMPTY_ROWS,
        custom_kwargs={"dropout": 0.1, "kernel_initializer": _SEEDED_NORMAL},
    ),
    LayerCase(
        "dot_product_attention_general",
        lambda **kw: layers.DotProductAttention(score_mode="general", **kw),
        (random_floats(BATCH, QUERY_LENGTH, 6, seed=4), _VALUE),
        is_attention=True,
        masked_call=_ATTENTION_MASKED,
        fully_masked_rows=_EMPTY_ROWS,
        custom_kwargs={"dropout": 0.1, "kernel_initializer": _SEEDED_NORMAL},
    ),
    LayerCase(
        "multi_head_attention_grouped_rotary",
        lambda **kw: layers.MultiHeadAttention(
            num_heads=2,
            key_dim=4,
            num_key_value_heads=1,
            use_rotary_embedding=True,
            **kw,
        ),
        (_QUERY, _VALUE),
        is_attention=True,
        masked_call=_ATTENTION_MASKED,
        fully_masked_rows=_EMPTY_ROWS,
        custom_kwargs={
            "dropout": 0.1,
            "kernel_initializer": _SEEDED_NORMAL,
            "bias_initializer": _CONSTANT,
        },
    ),
    LayerCase(
        "sinusoidal_position_encoding",
        lambda **kw: layers.SinusoidalPositionEncoding(**kw),
        (_QUERY,),
        custom_kwargs={"max_wavelength": 500},
    ),
    LayerCase(
        "learned_position_embedding",
        lambda **kw: layers.LearnedPositionEmbedding(sequence_length=6, **kw),
        (_QUERY,),
        custom_kwargs={"initializer": _SEEDED_NORMAL},
    ),
    LayerCase(
        "token_and_position_embedding",
        lambda **kw: layers.TokenAndPositionEmbedding(
            vocabulary_size=20, sequence_length=6, embedding_dim=WIDTH, **kw
        ),
        (np.array([[3, 7, 1, 0], [19, 2, 0, 0]], "int32"),),
        custom_kwargs={
            "position": "sinusoidal",
            "mask_zero": True,
            "embeddings_initializer": _SEEDED_NORMAL,
            "scale_embeddings": True,
        },
    ),
    LayerCase(
        "rotary_embedding",
        lambda **kw: layers.RotaryEmbedding(**kw),
        (random_floats(BATCH, QUERY_LENGTH, 2, 4, seed=5),),
        custom_kwargs={"max_wavelength": 500},
    ),
    LayerCase(
        "transformer_encoder_block",
        lambda **kw: layers.TransformerEncoderBlock(
            num_heads=2, intermediate_dim=16, **kw
        ),
        (_QUERY,),
        masked_call={"padding_mask": _padding_with_an_empty_sequence(QUERY_LENGTH)},
        custom_kwargs={
            "dropout": 0.1,
            "activation": keras.activations.gelu,
            "layer_norm_epsilon": 1e-3,
            "normalize_first": True,
            "kernel_initializer": _SEEDED_NORMAL,
            "bias_initializer": _CONSTANT,
            "attention_dropout": 0.2,
            "activation_dropout": 0.1,
        },
    ),
    LayerCase(
        "transformer_decoder_block",
        lambda **kw: layers.TransformerDecoderBlock(
            num_heads=2, intermediate_dim=16, normalize_first=True, **kw
        ),
        (_QUERY, _VALUE),
        masked_call={
            "decoder_padding_mask": _padding_with_an_empty_sequence(QUERY_LENGTH),
            "encoder_padding_mask": _padding_with_an_empty_sequence(KEY_LENGTH),
        },
        custom_kwargs={
            "activation": "gelu",
            "kernel_initializer": "he_normal",
            "bias_initializer": _CONSTANT,
            "attention_dropout": 0.0,
            "activation_dropout": 0.3,
            "use_bias": False,
        },
    ),
]


def first_output(outputs):
    """The main output of a layer that may return a tuple."""
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs


def functional_model(case, layer):
    """A `keras.Model` from `keras.Input`s through `layer` (a symbolic call)."""
    inputs = [
        keras.Input(shape=array.shape[1:], batch_size=BATCH, dtype=str(array.dtype))
        for array in case.inputs
    ]
    return keras.Model(inputs, first_output(layer(*inputs)))


def to_numpy(x):
    """A backend tensor (or array) as a float32 numpy array."""
    return np.asarray(keras.ops.convert_to_numpy(x)).astype("float32")

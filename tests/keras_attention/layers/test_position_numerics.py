"""Position layers against their formulas: the paper's interleaved sine/cosine,
rotate-half RoPE, and table look-ups."""

import numpy as np
import pytest
from layer_harness import random_floats, to_numpy

from keras_attention import layers


@pytest.mark.parametrize("start_index", [0, 3])
def test_sinusoidal_encoding_equals_the_paper_formula(start_index):
    length, depth = 7, 10
    encoding = layers.SinusoidalPositionEncoding()(
        np.zeros((2, length, depth), "float32"), start_index=start_index
    )
    expected = np.zeros((length, depth))
    for pos in range(length):
        for i in range(depth // 2):
            angle = (pos + start_index) / 10000 ** (2 * i / depth)
            expected[pos, 2 * i] = np.sin(angle)  # PE(pos, 2i)
            expected[pos, 2 * i + 1] = np.cos(angle)  # PE(pos, 2i + 1)
    encoding = to_numpy(encoding)
    assert encoding.shape == (2, length, depth)
    np.testing.assert_allclose(encoding[0], expected, atol=1e-5)
    np.testing.assert_array_equal(encoding[0], encoding[1])


def _rotate_half_reference(x, start_index, max_wavelength=10000):
    """RoPE with pairs (i, i + D/2) rotated by position * base^(-2i/D)."""
    half = x.shape[-1] // 2
    positions = np.arange(x.shape[1]) + start_index
    angles = positions[:, None] * max_wavelength ** (-np.arange(half) / half)
    cos, sin = np.cos(angles), np.sin(angles)  # (T, D/2)
    if x.ndim == 4:
        cos, sin = cos[:, None], sin[:, None]
    first, second = x[..., :half], x[..., half:]
    return np.concatenate([first * cos - second * sin, second * cos + first * sin], -1)


@pytest.mark.parametrize("start_index", [0, 5])
@pytest.mark.parametrize("rank", [3, 4])
def test_rotary_embedding_equals_numpy_rotate_half(start_index, rank):
    shape = (2, 6, 3, 8) if rank == 4 else (2, 6, 8)
    x = random_floats(*shape, seed=1)
    rotated = layers.RotaryEmbedding(max_wavelength=100)(x, start_index=start_index)
    np.testing.assert_allclose(
        to_numpy(rotated), _rotate_half_reference(x, start_index, 100), atol=1e-5
    )


def test_rotary_dot_products_depend_only_on_relative_position():
    rope = layers.RotaryEmbedding()
    query = np.tile(random_floats(1, 1, 8, seed=2), (1, 10, 1))
    key = np.tile(random_floats(1, 1, 8, seed=3), (1, 10, 1))
    q, k = to_numpy(rope(query)), to_numpy(rope(key))
    scores = q[0] @ k[0].T  # (T, S), same vectors at every position
    for offset in range(-3, 4):
        diagonal = np.diagonal(scores, offset)
        np.testing.assert_allclose(diagonal, diagonal[0], atol=1e-4)


def test_learned_position_embedding_is_the_table_slice_from_start_index():
    layer = layers.LearnedPositionEmbedding(sequence_length=8)
    x = np.zeros((2, 3, 4), "float32")
    layer(x)
    table = to_numpy(layer.position_embeddings)
    np.testing.assert_array_equal(to_numpy(layer(x, start_index=5))[1], table[5:8])


@pytest.mark.parametrize("scale", [False, True], ids=["unscaled", "scaled"])
@pytest.mark.parametrize("position", ["learned", "sinusoidal"])
def test_token_and_position_embedding_adds_token_rows_and_positions(position, scale):
    ids = np.array([[4, 0, 2], [1, 1, 0]], "int32")
    layer = layers.TokenAndPositionEmbedding(
        10, 5, 6, position=position, mask_zero=True, scale_embeddings=scale
    )
    embedded = to_numpy(layer(ids))
    # Vaswani et al. 2017, section 3.4: token rows times sqrt(d_model).
    tokens = to_numpy(layer.token_embedding.embeddings)[ids] * (6**0.5 if scale else 1)
    positions = to_numpy(layer.position_embedding(np.zeros((1, 3, 6), "float32")))
    np.testing.assert_allclose(embedded, tokens + positions, atol=1e-6)
    np.testing.assert_array_equal(to_numpy(layer.compute_mask(ids)), ids != 0)

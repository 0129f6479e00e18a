"""`keras_attention.compat`: its answers about the running backend, and the
Keras-mask helpers' round trip."""

import keras
import numpy as np

from keras_attention import compat


def _jax_default_backend():
    import jax

    return jax.default_backend()


def test_fused_attention_kernel_everywhere_but_tensorflow():
    expected = {"tensorflow": False, "jax": True, "torch": True}
    assert compat.has_fused_attention_kernel() is expected[keras.config.backend()]


def test_all_scores_held_on_tensorflow_and_on_jax_with_a_cpu_default_backend():
    backend = keras.config.backend()
    if backend == "jax":
        expected = _jax_default_backend() == "cpu"
    else:
        expected = {"tensorflow": True, "torch": False}[backend]
    assert compat.attention_kernel_holds_all_scores() is expected


def test_keras_masks_detach_and_reattach():
    ids = np.array([[3, 5, 0, 0], [1, 2, 3, 4]], "int32")
    embedding = keras.layers.Embedding(10, 4, mask_zero=True)
    embedded, other = embedding(ids), embedding(ids[::-1])
    unmasked = keras.ops.ones((2, 4, 4))
    mask = compat.keras_mask_of(embedded)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(mask), ids != 0)
    assert compat.keras_mask_of(unmasked) is None

    detached = compat.detach_keras_mask(embedded, other, unmasked)
    assert detached[0][1] is mask
    assert detached[2][1] is None
    for tensor in (embedded, other, unmasked):
        assert compat.keras_mask_of(tensor) is None

    compat.reattach_keras_masks(detached)
    assert compat.keras_mask_of(embedded) is mask
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(compat.keras_mask_of(other)), ids[::-1] != 0
    )
    assert compat.keras_mask_of(unmasked) is None


def _is_concrete_while_traced():
    """`compat.is_concrete` of a tensor as the running backend traces it:
    under `jax.jit`, `tf.function`, or on torch's "meta" device (where
    Keras' symbolic calls put torch tensors)."""
    backend = keras.config.backend()
    answers = []
    if backend == "jax":
        import jax

        def record(x):
            answers.append(compat.is_concrete(x))
            return x

        jax.jit(record)(np.int32(1))
    elif backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def record(x):
            answers.append(compat.is_concrete(x))
            return x

        record(tf.constant(1))
    else:
        import torch

        answers.append(compat.is_concrete(torch.ones((), device="meta")))
    return answers[0]


def test_values_are_concrete_when_eager_and_not_while_traced():
    assert compat.is_concrete(3)
    assert compat.is_concrete(np.int32(3))
    assert compat.is_concrete(np.ones((2, 2)))
    assert compat.is_concrete(keras.ops.convert_to_tensor(3))
    assert not compat.is_concrete(keras.KerasTensor((2, 3)))
    assert not _is_concrete_while_traced()


def test_values_in_keras_symbolic_calls_are_not_concrete():
    answers = []

    class Record(keras.layers.Layer):
        def call(self, x):
            answers.append(compat.is_concrete(x))
            return x

    Record()(keras.Input((3,)))
    assert answers and not any(answers)

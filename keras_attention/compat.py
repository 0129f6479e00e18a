"""The one place that reaches into Keras internals and asks which backend runs.

Two kinds of question live here, so that no other module under
`keras_attention/` calls `keras.config.backend()` or imports a backend:

- Keras masks on tensors. Keras 3 attaches a `mask_zero` padding mask to a
  tensor as the attribute `_keras_mask`, or, for tensors that take no
  attributes, in a table of its own. It exposes no public accessor, so this
  module uses Keras' private one when present and the attribute otherwise.
- What the running backend's attention kernel does: whether
  `keras.ops.dot_product_attention` is a fused kernel worth calling
  (`has_fused_attention_kernel`), and whether it holds every score of a long
  sequence at once (`attention_kernel_holds_all_scores`).
- Whether a tensor's value is known now (`is_concrete`): eager tensors are,
  tensors being traced (`jax.jit`, `tf.function`, `torch.compile`, Keras'
  symbolic calls) are not. The layers check indices whose value is known
  and clip those that are traced.
"""

import keras
import numpy as np

try:
    from keras.src.backend.common.masking import get_keras_mask, set_keras_mask
except ImportError:  # pragma: no cover - older or newer Keras layouts

    def get_keras_mask(x):
        return getattr(x, "_keras_mask", None)

    def set_keras_mask(x, mask):
        try:
            x._keras_mask = mask
        except AttributeError:
            pass


try:
    from keras.src.backend.common.symbolic_scope import in_symbolic_scope
except ImportError:  # pragma: no cover - older or newer Keras layouts

    def in_symbolic_scope():
        return False


def keras_mask_of(x):
    """Returns the Keras mask attached to `x` (e.g. by `mask_zero`), or None."""
    return get_keras_mask(x)


def detach_keras_mask(*tensors):
    """Removes the Keras masks of `tensors` while a layer consumes them.

    Returns:
        `(tensor, mask)` pairs to hand to `reattach_keras_masks` at the end of
        the call: the tensors may feed other layers, which need their masks.
    """
    detached = [(tensor, get_keras_mask(tensor)) for tensor in tensors]
    for tensor, mask in detached:
        if mask is not None:
            set_keras_mask(tensor, None)
    return detached


def reattach_keras_masks(detached):
    """Gives back the masks `detach_keras_mask` removed."""
    for tensor, mask in detached:
        if mask is not None:
            set_keras_mask(tensor, mask)


def has_fused_attention_kernel():
    """Whether `keras.ops.dot_product_attention` should be called for the
    softmax(Q K^T) V core.

    True on JAX (XLA / cuDNN / flash kernels) and PyTorch (SDPA). False on
    TensorFlow: it has no such kernel, and Keras composes one from ops whose
    gradient took twice as long as the explicit path's (T=2048, XLA on CPU;
    see docs/benchmarks.md), so TensorFlow computes the core explicitly.
    """
    return keras.config.backend() != "tensorflow"


def attention_kernel_holds_all_scores():
    """Whether the running backend's attention path holds the whole
    (B, H, T, S) score matrix at once, so that long sequences are better
    computed a block of queries at a time.

    True on TensorFlow (its explicit path materialises the scores; XLA on
    CPU) and on JAX when its default backend is the CPU (XLA's CPU kernel
    materialises them). False on JAX with a GPU or TPU default backend
    (flash / cuDNN kernels) and on PyTorch (its SDPA kernel does not hold
    them).
    """
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.default_backend() == "cpu"
    return backend == "tensorflow"


def is_concrete(x):
    """Whether the value of `x` can be read now (e.g. with
    `keras.ops.convert_to_numpy`) without breaking a trace.

    True for Python numbers, numpy arrays and eager tensors. False for
    `keras.KerasTensor`s, inside Keras' symbolic calls (shape inference,
    where torch and jax tensors hold placeholder values), for tensors traced
    by `tf.function`, `jax.jit` (tracers) or `torch.compile`, and for torch
    tensors on the "meta" device.
    """
    if isinstance(x, (bool, int, float, np.ndarray, np.generic)):
        return True
    if isinstance(x, keras.KerasTensor) or in_symbolic_scope():
        return False
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.executing_eagerly() and not tf.is_symbolic_tensor(x)
    if backend == "jax":
        import jax

        return not isinstance(x, jax.core.Tracer)
    if backend == "torch":
        import torch

        if torch.compiler.is_compiling():
            return False
        return not (isinstance(x, torch.Tensor) and x.device.type == "meta")
    return backend == "numpy"

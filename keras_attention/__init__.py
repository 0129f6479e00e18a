"""keras-attention: attention layers for Keras 3 on TensorFlow, JAX and PyTorch.

>>> from keras_attention import layers
>>> attention = layers.MultiHeadAttention(num_heads=8, key_dim=64)
"""

from keras_attention import layers, ops

__version__ = "0.1.0"

__all__ = ["layers", "ops", "__version__"]

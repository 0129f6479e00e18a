"""The one export decorator: registers public classes for serialization."""

import keras


def keras_attention_export(cls):
    """Registers `cls` so `.keras` files and presets reload it by name.

    Registered under the package name `keras_attention`, e.g.
    `"keras_attention>MultiHeadAttention"`.
    """
    return keras.saving.register_keras_serializable(package="keras_attention")(cls)

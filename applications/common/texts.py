"""Eager checks of Python text inputs, shared by the text applications.

Empty or non-string texts are reported here, with their index, before a
`tf.data` pipeline tokenizes them (inside the pipeline they cannot be).
"""

import numpy as np


def is_python_text(x):
    """Whether `x` is Python / numpy text (checked eagerly), not a tensor."""
    if isinstance(x, (str, bytes, list)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in ("U", "S", "O")


def check_texts(texts, name="texts"):
    """Checks a batch of Python strings before tokenizing.

    Args:
        texts: a string or a list / tuple / 1-D array of strings (bytes are
            decoded as UTF-8).
        name: the argument name used in errors.

    Returns:
        list of str.

    Raises:
        TypeError: if `texts` or one of its items is not a string.
        ValueError: if the batch or one of its strings is empty.
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
            text = text.decode("utf-8")
        if not isinstance(text, str):
            raise TypeError(
                f"`{name}` must hold strings. Received {type(text).__name__} "
                f"{text!r:.80} at index {index}."
            )
        if not text.strip():
            raise ValueError(
                f"`{name}` holds an empty string at index {index} ({text!r}); "
                "expected non-empty text."
            )
        checked.append(text)
    return checked

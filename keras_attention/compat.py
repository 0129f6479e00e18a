"""The one place that reaches into Keras internals: Keras masks on tensors.

Keras 3 attaches a `mask_zero` padding mask to a tensor as the attribute
`_keras_mask`, or, for tensors that take no attributes, in a table of its
own. It exposes no public accessor, so this module uses Keras' private one
when present and the attribute otherwise.
"""

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

"""Label-smoothed cross-entropy for integer labels, computed from logits.

Shape legend: B batch, T positions (tokens), V classes (vocabulary).
"""

import keras
from keras import ops

from applications.common.checks import check_number


class SparseLabelSmoothedCrossEntropy(keras.losses.Loss):
    """Cross-entropy against labels smoothed towards the uniform distribution.

    The target distribution puts `1 - label_smoothing` on the label `y` and
    spreads `label_smoothing` evenly over all V classes (the label
    included), so for each position:

        loss = (1 - ε) · (−log p_y) + ε · mean_v(−log p_v)

    with ε = `label_smoothing` and p = softmax(logits): the variant of
    Szegedy et al. ("Rethinking the Inception Architecture for Computer
    Vision", 2016) that Vaswani et al. ("Attention Is All You Need", 2017)
    train with (ε = 0.1) and fairseq's `label_smoothed_cross_entropy`
    computes (`eps_i = ε / V`, the label keeping `1 − ε + ε / V`). It is
    what `keras.losses.CategoricalCrossentropy(label_smoothing=ε)` gives
    on one-hot labels, without building them: Keras 3's
    `SparseCategoricalCrossentropy` has no `label_smoothing`. With ε = 0 it
    is `SparseCategoricalCrossentropy(from_logits=True)`.

    The log-probabilities are `log_softmax(logits)` in float32 (stable for
    large logits, and for float16 / bfloat16 ones). A `sample_weight` (for
    a sequence model, the (B, T) padding mask) weights each position, and
    the reduction is Keras' (`"sum_over_batch_size"`: the weighted losses
    summed and divided by the number of positions, B·T), the same as
    `SparseCategoricalCrossentropy`'s, so the two losses are comparable.

    Args:
        label_smoothing: ε, in [0, 1).
        reduction: Keras' loss reduction (default `"sum_over_batch_size"`).
        name: the loss's name.
        **kwargs: forwarded to `keras.losses.Loss` (e.g. `dtype`).

    Call arguments:
        y_true: (B, T) (or any shape (...)) integer labels in [0, V).
        y_pred: (B, T, V) (or (..., V)) logits.
        sample_weight: optional weights broadcasting to (B, T) (e.g. the
            padding mask: 1 for real tokens, 0 for padding).

    Returns:
        The reduced loss (a scalar), or with `reduction=None` the (B, T)
        losses, weighted.

    Raises:
        ValueError: for a `label_smoothing` outside [0, 1).
        TypeError: for a `label_smoothing` that is no number.

    Example:
    >>> loss = SparseLabelSmoothedCrossEntropy(label_smoothing=0.1)
    >>> logits = np.zeros((1, 2, 4), "float32")  # uniform over 4 classes
    >>> float(loss(np.array([[1, 3]]), logits))  # log(4) whatever the label
    1.386...
    """

    def __init__(
        self,
        label_smoothing=0.1,
        reduction="sum_over_batch_size",
        name="sparse_label_smoothed_cross_entropy",
        **kwargs,
    ):
        super().__init__(name=name, reduction=reduction, **kwargs)
        check_number(label_smoothing, "label_smoothing", "[0, 1)")
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)  # (B, T, V)
        labels = ops.expand_dims(ops.cast(y_true, "int32"), -1)  # (B, T, 1)
        nll = -ops.squeeze(ops.take_along_axis(log_probs, labels, axis=-1), -1)
        if not self.label_smoothing:
            return nll  # (B, T)
        uniform = -ops.mean(log_probs, axis=-1)  # (B, T)
        return (1.0 - self.label_smoothing) * nll + self.label_smoothing * uniform

    def get_config(self):
        config = super().get_config()
        config["label_smoothing"] = self.label_smoothing
        return config

"""A learning rate multiplier for some variables (e.g. a pretrained encoder
fine-tuned with a smaller rate than its new head), for any Keras optimizer
on every backend.

A Keras 3 optimizer has one learning rate for all its variables. Scaling the
chosen variables' gradients would not lower their rate under Adam or AdamW,
whose steps do not depend on the gradients' scale; so the step itself is
scaled: after the optimizer's update, each chosen variable is moved only
`multiplier` times as far,

    new = old + multiplier * (updated - old).

For SGD (with or without momentum), Adam and AdamW, whose steps are
proportional to the learning rate (AdamW's decoupled weight decay included),
this is exactly training those variables at `multiplier * learning_rate`,
with the optimizer's state (moments, momentum) as it would be. It works
inside `fit()` on TensorFlow, PyTorch and JAX (whose stateless
`stateless_apply` runs `apply` in a `StatelessScope`).

>>> optimizer = optimizer_with_learning_rate_multiplier(
...     keras.optimizers.AdamW, classifier.backbone.trainable_variables, 0.1,
...     learning_rate=1e-4, weight_decay=0.01)
>>> classifier.compile(optimizer=optimizer)
"""

import keras


class LearningRateMultiplierMixin:
    """Scales a Keras optimizer's updates of some variables (see the module).

    Goes ahead of a Keras optimizer class among the bases; see
    `optimizer_with_learning_rate_multiplier`.

    Args:
        multiplied_variables: the variables whose updates are scaled.
        learning_rate_multiplier: the scale, a number > 0 (1: the optimizer
            as it is).
        *args, **kwargs: the optimizer's arguments.
    """

    def __init__(
        self, *args, multiplied_variables=(), learning_rate_multiplier=1.0, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if not float(learning_rate_multiplier) > 0:
            raise ValueError(
                "`learning_rate_multiplier` must be a number > 0. Received: "
                f"learning_rate_multiplier={learning_rate_multiplier!r}"
            )
        self.learning_rate_multiplier = float(learning_rate_multiplier)
        # Ids, not the variables: the optimizer tracks variables set as its
        # attributes as its own state.
        self._multiplied_ids = frozenset(id(v) for v in multiplied_variables)

    def apply(self, grads, trainable_variables=None):
        if self.learning_rate_multiplier == 1.0 or not self._multiplied_ids:
            return super().apply(grads, trainable_variables)
        variables = (
            self._trainable_variables
            if trainable_variables is None
            else list(trainable_variables)
        )
        scaled = [v for v in variables if id(v) in self._multiplied_ids]
        before = [keras.ops.copy(v.value) for v in scaled]  # a copy (torch: in place)
        result = super().apply(grads, trainable_variables)
        for variable, old in zip(scaled, before):
            step = keras.ops.subtract(variable.value, old)
            multiplier = keras.ops.cast(self.learning_rate_multiplier, step.dtype)
            variable.assign(keras.ops.add(old, keras.ops.multiply(multiplier, step)))
        return result

    def get_config(self):
        config = super().get_config()
        config["learning_rate_multiplier"] = self.learning_rate_multiplier
        return config


def optimizer_with_learning_rate_multiplier(
    optimizer_cls, variables, multiplier, **kwargs
):
    """A Keras optimizer that trains `variables` at `multiplier` times its
    learning rate (the others at the learning rate).

    Args:
        optimizer_cls: a Keras optimizer class, e.g. `keras.optimizers.AdamW`.
        variables: the variables to scale, e.g. a pretrained encoder's.
        multiplier: the scale of their learning rate, > 0 (e.g. 0.1).
        **kwargs: the optimizer's arguments (`learning_rate`, ...).

    Returns:
        An instance of a subclass of `optimizer_cls` (named as it).

    Raises:
        ValueError: for a `multiplier` that is not > 0.
    """
    cls = type(optimizer_cls.__name__, (LearningRateMultiplierMixin, optimizer_cls), {})
    return cls(
        multiplied_variables=variables, learning_rate_multiplier=multiplier, **kwargs
    )

"""`AdamW`: Keras' AdamW with the scalars of a step computed once a step.

Keras' `AdamW` computes, for every variable it updates, the learning rate
(a whole schedule, e.g. warmup and cosine decay, again for the weight decay
of every decayed variable), the powers of beta_1 and beta_2 at the step and
the step size `alpha` from them: the same scalars, recomputed per variable.
On TensorFlow, whose training step is a graph that runs op by op, these are
~600 of a small GPT's ~1,950 operations a step (35 variables), each paying
the executor's per-operation cost. This subclass computes each of them once
per step (per variable dtype) and reuses it, with the same operations on the
same values, so every update is bitwise the same as Keras' `AdamW`.

`adamw()` gives this class on TensorFlow only: PyTorch's Keras `AdamW`
updates all variables in one call (`torch._foreach` operations) and
computes these scalars once already, and JAX's compiler shares them.
"""

import keras
from keras import ops

from keras_attention.api_export import keras_attention_export


@keras_attention_export
class AdamW(keras.optimizers.AdamW):
    """`keras.optimizers.AdamW`, computing a step's scalars once.

    Same arguments, state, updates and saved configuration as
    `keras.optimizers.AdamW` (see there); the learning rate (a schedule is
    evaluated once a step, not once per variable), the bias corrections and
    the step size are computed once per training step and variable dtype
    and shared by the updates of all variables. The results are bitwise
    those of `keras.optimizers.AdamW`: the same operations on the same
    values, fewer of them.
    """

    def apply(self, grads, trainable_variables=None):
        # Gradient accumulation updates inside a conditional branch: there,
        # nothing is shared (Keras' own per-variable computation).
        self._step_scalars = None if self.gradient_accumulation_steps else {}
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._step_scalars = None

    def _shared(self, key, compute):
        """`compute()`, once per step for `key` while `apply` runs."""
        scalars = getattr(self, "_step_scalars", None)
        if scalars is None:
            return compute()
        if key not in scalars:
            scalars[key] = compute()
        return scalars[key]

    def _get_current_learning_rate(self):
        return self._shared("learning_rate", super()._get_current_learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """`keras.optimizers.Adam.update_step`, its scalars shared."""
        dtype = variable.dtype

        def step_scalars():
            lr = ops.cast(learning_rate, dtype)
            local_step = ops.cast(self.iterations + 1, dtype)
            beta_1_power = ops.power(ops.cast(self.beta_1, dtype), local_step)
            beta_2_power = ops.power(ops.cast(self.beta_2, dtype), local_step)
            return lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)

        alpha = self._shared(("alpha", dtype), step_scalars)
        gradient = ops.cast(gradient, dtype)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(
            v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2)
        )
        if self.amsgrad:
            v_hat = self._velocity_hats[self._get_variable_index(variable)]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        self.assign_sub(
            variable,
            ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon)),
        )


def adamw(**kwargs):
    """An AdamW optimizer with `kwargs` (`keras.optimizers.AdamW`'s): this
    module's `AdamW` on TensorFlow, where it saves the graph operations,
    Keras' own elsewhere (JAX's compiler shares the scalars by itself; on
    PyTorch, Keras' AdamW is its `torch._foreach` implementation)."""
    if keras.config.backend() == "tensorflow":
        return AdamW(**kwargs)
    return keras.optimizers.AdamW(**kwargs)

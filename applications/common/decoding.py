"""What the decoding tasks share around keras-hub's samplers.

Shape legend: B batch, T sequence length.
"""

from keras import ops


def mask_after_stop(token_ids, prompt_mask, stop_token_ids):
    """The padding mask of decoded sequences: up to each first stop token.

    Args:
        token_ids: (B, T) the prompts and what the sampler generated.
        prompt_mask: (B, T) True at the prompt tokens (never a stop there).
        stop_token_ids: token ids that end a sequence, or None.

    Returns:
        (B, T) bool: True up to and including the first generated stop
        token of each row (every position when `stop_token_ids` is None).
    """
    if stop_token_ids is None:
        return ops.ones_like(token_ids, dtype="bool")
    generated = ops.logical_not(ops.cast(prompt_mask, "bool"))
    is_stop = ops.zeros_like(generated)
    for stop in stop_token_ids:
        is_stop = ops.logical_or(is_stop, ops.equal(token_ids, stop))
    ends = ops.cast(ops.logical_and(is_stop, generated), "int32")
    after_end = ops.cumsum(ends, axis=-1) - ends
    return ops.equal(after_end, 0)

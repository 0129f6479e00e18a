"""What generation adds to keras-hub's samplers: a repetition penalty,
sampler construction with checked arguments, and streaming.

Shape legend: B batch, T sequence length, V vocabulary.
"""

from applications.common.checks import check_choice, check_number

#: Sampler names of `make_sampler` (keras-hub's samplers).
SAMPLERS = ("greedy", "top_k", "top_p", "random", "beam")


def make_sampler(
    name="greedy", temperature=1.0, top_k=40, top_p=0.9, num_beams=4, seed=None
):
    """A keras-hub sampler from checked command-line style arguments.

    Args:
        name: one of `SAMPLERS`: `"greedy"` (argmax), `"top_k"` (sample
            among the `top_k` likeliest tokens), `"top_p"` (nucleus
            sampling, Holtzman et al. 2020: the fewest tokens whose
            probability reaches `top_p`), `"random"` (the whole
            distribution) or `"beam"` (beam search with `num_beams`).
        temperature: divides the logits before the softmax, > 0 (below 1
            sharpens, above 1 flattens).
        top_k: k of `"top_k"`, a positive integer.
        top_p: p of `"top_p"`, in (0, 1].
        num_beams: beams of `"beam"`, a positive integer.
        seed: seed of the random samplers, for reproducible draws.

    Returns:
        a `keras_hub.samplers.Sampler`.

    Raises:
        ValueError: for an unknown name or a value out of its range, naming it.
        TypeError: for a number of the wrong type.
    """
    import keras_hub

    check_choice(name, "sampler", SAMPLERS)
    check_number(temperature, "temperature", "(0, inf)")
    check_number(top_k, "top_k", "[1, inf)", integer=True)
    check_number(top_p, "top_p", "(0, 1]")
    check_number(num_beams, "num_beams", "[1, inf)", integer=True)
    samplers = keras_hub.samplers
    if name == "greedy":
        return samplers.GreedySampler(temperature=temperature)
    if name == "top_k":
        return samplers.TopKSampler(k=top_k, seed=seed, temperature=temperature)
    if name == "top_p":
        return samplers.TopPSampler(p=top_p, seed=seed, temperature=temperature)
    if name == "random":
        return samplers.RandomSampler(seed=seed, temperature=temperature)
    return samplers.BeamSampler(num_beams=num_beams, temperature=temperature)


def seen_tokens(token_ids, mask, vocabulary_size):
    """(B, V) bool: which tokens occur at the masked positions of each row."""
    from keras import ops

    one_hot = ops.one_hot(token_ids, vocabulary_size, dtype="float32")  # (B, T, V)
    one_hot = one_hot * ops.cast(mask, "float32")[..., None]
    return ops.max(one_hot, axis=1) > 0


def add_seen_token(seen, token_ids):
    """Marks (B,) or (B, 1) new tokens in the (B, V) `seen` table."""
    from keras import ops

    token_ids = ops.reshape(token_ids, (-1,))
    return ops.logical_or(seen, ops.one_hot(token_ids, ops.shape(seen)[-1]) > 0)


def penalize_repetition(logits, seen, penalty):
    """The repetition penalty of Keskar et al. (2019, CTRL, section 4.1).

    The logit of every token already in the sequence is divided by
    `penalty` when positive and multiplied by it when negative, so that
    the token gets less likely for a `penalty` above 1 (1.2 in the paper);
    1 changes nothing. This is also what Hugging Face's
    `RepetitionPenaltyLogitsProcessor` computes.

    Args:
        logits: (B, V) next-token logits.
        seen: (B, V) bool, the tokens of the sequence so far.
        penalty: a number > 0.

    Returns:
        (B, V) logits.
    """
    from keras import ops

    penalized = ops.where(logits > 0, logits / penalty, logits * penalty)
    return ops.where(seen, penalized, logits)


def streamed_text(tokenizer, token_ids):
    """Yields the text of growing token lists as new pieces of text.

    A piece ends only where the detokenized text does not end inside a
    character spelled in several byte tokens (byte fallback), so that
    every yielded piece is whole text.

    Args:
        tokenizer: the tokenizer (its `detokenize` of a list of ids).
        token_ids: an iterable of the growing lists of new token ids.

    Yields:
        str pieces whose concatenation is the text of the last list.
    """
    shown = ""
    for ids in token_ids:
        text = tokenizer.detokenize([list(ids)])[0]
        if text.endswith("\ufffd"):  # an incomplete UTF-8 sequence so far
            continue
        if len(text) > len(shown) and text.startswith(shown):
            yield text[len(shown) :]
            shown = text

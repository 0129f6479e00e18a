"""Beam search with a length penalty: the choice among the final beams.

Shape legend: B batch, K beams, T sequence length.

Beam search scores a hypothesis Y by its log-probability, which every
token lowers, so it favours short translations. GNMT (Wu et al., "Google's
Neural Machine Translation System: Bridging the Gap between Human and
Machine Translation", 2016, section 7) divides by a length penalty:

    s(Y) = log P(Y | X) / lp(Y),    lp(Y) = ((5 + |Y|) / 6) ** alpha

with alpha = 0 for none (GNMT tuned alpha in [0.6, 0.7]). Here |Y| counts
the generated tokens up to and including the first stop token (`[END]`),
or all of them when a beam never stopped, and log P(Y | X) sums the
log-probabilities of those tokens.

keras-hub's `BeamSampler` keeps a beam going after its stop token (the
tokens after it are masked out of the text, but their log-probabilities
keep adding to its score), and its `return_all_beams=True` returns the K
beams with those scores. A task that decodes with `LengthPenaltyBeamSampler`
therefore rescores the K final beams itself, from the log-probabilities of
their tokens up to their stop token (e.g. `Translator` with a teacher-forced
pass), and picks one with `choose_beams`.
"""

import keras_hub
from keras import ops

from applications.common.checks import check_number


class LengthPenaltyBeamSampler(keras_hub.samplers.BeamSampler):
    """`keras_hub.samplers.BeamSampler` returning all its beams, for a task
    to choose among them with GNMT's length penalty (`choose_beams`).

    The search itself is keras-hub's; the sampler returns `(beams, scores)`
    of shapes (B, K, T) and (B, K) (`return_all_beams=True`) and carries
    `length_penalty` for the task that rescores and chooses.

    Args:
        num_beams: K, the beams kept at each step, an integer >= 1.
        length_penalty: GNMT's alpha, a number >= 0 (0: the most probable
            beam, its probability taken up to its stop token).
        **kwargs: forwarded to `keras_hub.samplers.BeamSampler`.

    Raises:
        ValueError: for `num_beams` below 1 or a negative `length_penalty`.
        TypeError: for a `num_beams` that is no integer or a
            `length_penalty` that is no number.
    """

    def __init__(self, num_beams=5, length_penalty=0.6, **kwargs):
        check_number(num_beams, "num_beams", "[1, inf)", integer=True)
        check_number(length_penalty, "length_penalty", "[0, inf)")
        kwargs.pop("return_all_beams", None)
        super().__init__(num_beams=num_beams, return_all_beams=True, **kwargs)
        self.length_penalty = float(length_penalty)

    def get_config(self):
        config = super().get_config()
        config["length_penalty"] = self.length_penalty
        return config


def gnmt_length_penalty(lengths, alpha):
    """GNMT's lp(Y) = ((5 + |Y|) / 6) ** alpha, elementwise (float32)."""
    lengths = ops.cast(lengths, "float32")
    return ops.power((5.0 + lengths) / 6.0, alpha)


def choose_beams(beams, token_log_probs, generated, stop_token_ids, length_penalty=0.0):
    """Each row's beam of the best length-penalized log-probability.

    Args:
        beams: (B, K, T) token ids of the K final beams.
        token_log_probs: (B, K, T) float: at position t, the log-probability
            of the beam's token t given the tokens before it (positions not
            generated are ignored).
        generated: (B, T) boolean, True at the positions the search wrote
            (False at the prompt, e.g. `[START]` or a given prefix).
        stop_token_ids: token ids that end a hypothesis (e.g. `[END]`'s),
            a tuple of ints; None or empty: none ends early.
        length_penalty: GNMT's alpha, >= 0.

    Returns:
        `(chosen, scores)`: (B, T) ids of each row's best beam, and the
        (B, K) penalized scores log P(Y | X) / lp(Y).
    """
    generated = ops.expand_dims(ops.cast(generated, "bool"), 1)  # (B, 1, T)
    stops = ops.zeros_like(beams, dtype="bool")
    for token in stop_token_ids or ():
        stops = ops.logical_or(stops, ops.equal(beams, token))
    stops = ops.cast(ops.logical_and(stops, generated), "int32")  # (B, K, T)
    # Positions after a beam's first stop token: a stop token before them.
    after_stop = (ops.cumsum(stops, axis=-1) - stops) > 0
    counted = ops.logical_and(generated, ops.logical_not(after_stop))
    counted = ops.cast(counted, "float32")  # (B, K, T)
    log_probs = ops.sum(ops.cast(token_log_probs, "float32") * counted, axis=-1)
    lengths = ops.sum(counted, axis=-1)  # (B, K)
    scores = log_probs / gnmt_length_penalty(lengths, length_penalty)
    best = ops.argmax(scores, axis=-1)  # (B,)
    chosen = ops.take_along_axis(beams, best[:, None, None], axis=1)
    return ops.squeeze(chosen, 1), scores

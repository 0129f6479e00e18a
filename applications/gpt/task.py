"""GPT task: next-token training, cached generation, streaming and scoring.

Shape legend: B batch, T sequence length, L cache length (`max_length`), N
blocks, H heads, D head size, E width, V vocabulary.
"""

import keras
import keras_hub
import numpy as np
from keras import ops

from applications.common.checks import check_number, require_preprocessor
from applications.common.decoding import mask_after_stop
from applications.common.optimizers import adamw
from applications.common.presets import PresetMixin
from applications.common.texts import check_texts
from applications.common.tied_output_projection import TiedOutputProjection
from applications.gpt import decoding_step, generation
from applications.gpt.backbone import GPTBackbone
from applications.gpt.preprocessor import GPTPreprocessor
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class GPT(PresetMixin, keras_hub.models.CausalLM):
    """Generates text with a `GPTBackbone`: a keras-hub `CausalLM`.

    `fit()` trains next-token prediction (cross-entropy over the real
    tokens). `generate()` decodes with one key/value cache tensor for all
    blocks: the prompts are written into it in one pass, then the sampler
    set by `compile(sampler=...)` (keras-hub's greedy, top-k, top-p,
    random or beam samplers) extends them one token per step, compiled
    with XLA on TensorFlow and JAX. Prompts of different lengths are
    right-padded; each row keeps its own prompt and the rows continue from
    their own ends. `stream()` yields the text of one prompt as it is
    generated; `score()` gives each token's log-likelihood.

    The logits are the hidden states times the transposed token embedding
    (tied input and output embeddings, as in GPT-2).

    Args:
        backbone: a `GPTBackbone`.
        preprocessor: a `GPTPreprocessor`, or None to feed token ids.
        **kwargs: forwarded to `keras_hub.models.CausalLM` (e.g. `name`).

    Call arguments:
        inputs: dict of `"token_ids"` and `"padding_mask"` (B, T).

    Returns:
        (B, T, V) next-token logits.

    Example:
    >>> gpt = GPT.from_preset("gpt_tiny_shakespeare")
    >>> gpt.generate("ROMEO:", max_length=64)
    >>> for piece in gpt.stream("ROMEO:", max_length=64):
    ...     print(piece, end="", flush=True)
    """

    backbone_cls = GPTBackbone
    preprocessor_cls = GPTPreprocessor

    def __init__(self, backbone, preprocessor=None, **kwargs):
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        self.output_projection = TiedOutputProjection(
            backbone.token_embedding,
            dtype=backbone.dtype_policy,
            name="tied_output_projection",
        )

        # === Functional model ===
        inputs = backbone.input
        outputs = self.output_projection(backbone(inputs))  # (B, T, V)
        compile_now = kwargs.pop("compile", True)
        super().__init__(inputs=inputs, outputs=outputs, compile=False, **kwargs)
        self.repetition_penalty = 1.0
        if compile_now:
            self.compile()

    def compile(
        self,
        optimizer="auto",
        loss="auto",
        *,
        weighted_metrics="auto",
        sampler="greedy",
        repetition_penalty=1.0,
        **kwargs,
    ):
        """Configures training and generation (see `CausalLM.compile`).

        Args:
            optimizer: `"auto"` is AdamW (learning rate 1e-3, weight decay
                0.1, beta_2 0.99, gradients clipped at norm 1, no decay of
                biases and layer norms), nanoGPT's recipe for small models.
            loss: `"auto"` is the sparse cross-entropy from logits.
            weighted_metrics: `"auto"`: accuracy and perplexity
                (`keras_hub.metrics.Perplexity`, the exp of the loss), over
                the real tokens.
            sampler: a keras-hub sampler or its name (see
                `generation.make_sampler` for checked arguments).
            repetition_penalty: > 0; above 1 makes the tokens already in a
                sequence less likely (`generation.penalize_repetition`).
            **kwargs: forwarded to `keras.Model.compile`.
        """
        check_number(repetition_penalty, "repetition_penalty", "(0, inf)")
        if optimizer == "auto":
            optimizer = adamw(
                learning_rate=1e-3, weight_decay=0.1, beta_2=0.99, global_clipnorm=1.0
            )
            optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
        if weighted_metrics == "auto":
            weighted_metrics = [
                keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                keras_hub.metrics.Perplexity(from_logits=True, name="perplexity"),
            ]
        super().compile(
            optimizer=optimizer,
            loss=loss,
            weighted_metrics=weighted_metrics,
            sampler=sampler,
            **kwargs,
        )
        self.repetition_penalty = float(repetition_penalty)
        # Top-k over at least the whole vocabulary samples from all of it;
        # `ops.top_k` with k above the vocabulary size fails on every backend
        # (an exact character vocabulary can hold fewer than 40 tokens). A
        # copy is lowered: the caller's sampler keeps its k.
        k = getattr(self.sampler, "k", None)
        if k is not None and k > self.backbone.vocabulary_size:
            config = self.sampler.get_config()
            config["k"] = self.backbone.vocabulary_size
            self.sampler = type(self.sampler).from_config(config)

    def preprocess_samples(self, x, y=None, sample_weight=None):
        """Strings go through the preprocessor; token-id batches (a dict of
        `"token_ids"` and `"padding_mask"`, e.g. the recipe's windows of a
        token stream) are fed as they are."""
        if isinstance(x, dict):
            return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
        return super().preprocess_samples(x, y, sample_weight)

    def call_with_cache(self, token_ids, cache, cache_update_index):
        """New tokens against the cache (keras-hub's `CausalLM` contract).

        Args:
            token_ids: (B, T) new tokens at `cache_update_index`.
            cache: (B, N, 2, L, H, D).
            cache_update_index: the position of the first new token.

        Returns:
            `(logits (B, T, V), hidden_states (B, T, E), cache)`.
        """
        hidden, cache = self.backbone.call_with_cache(
            token_ids, cache, cache_update_index
        )
        return self.output_projection(hidden), hidden, cache

    def _decode_one(self, token_ids, cache, cache_update_index, weights):
        """One new token per row against the cache: `(logits (B, V), hidden
        (B, E), cache)`, by `decoding_step` with its `weights` (no Keras
        per-layer overhead on eager torch), or by `call_with_cache` when
        `weights` is None."""
        if weights is not None:  # the cache from `_build_cache(..., weights)`
            hidden, cache = decoding_step.decoding_step(
                self.backbone, weights, token_ids, cache, cache_update_index
            )
            logits = self.output_projection.call(hidden)
        else:
            logits, hidden, cache = self.call_with_cache(
                token_ids, cache, cache_update_index
            )
        return ops.squeeze(logits, 1), ops.squeeze(hidden, 1), cache

    def _decoding_weights(self):
        if decoding_step.applies(self.backbone):
            return decoding_step.decoding_weights(self.backbone)
        return None

    def _build_cache(self, token_ids, weights, cache_length=None):
        """Writes the whole (padded) prompt into a new cache of
        `cache_length` slots (default: the prompt's length) in one pass:
        `(logits, hidden, cache)`, the cache laid out for `_decode_one`
        with `weights`."""
        batch_size, length = ops.shape(token_ids)
        cache = self.backbone.initial_cache(batch_size, cache_length or length)
        logits, hidden, cache = self.call_with_cache(token_ids, cache, 0)
        if weights is not None:
            cache = decoding_step.decoding_cache(cache)
        return logits, hidden, cache

    def generate_step(self, inputs, stop_token_ids=None):
        """Generates tokens for a batch of packed prompts (compilable).

        The cache is filled with the prompts in one pass; generation starts
        at the shortest prompt's end, a row keeping its own prompt tokens
        where it has them (keras-hub's sampler `mask`).

        Args:
            inputs: dict of `"token_ids"` (B, L) and `"padding_mask"` (B, L),
                the prompts right-padded to `max_length` L.
            stop_token_ids: token ids that end a row, or None.

        Returns:
            dict of `"token_ids"` (B, L) and `"padding_mask"` (B, L), True
            up to each row's first generated stop token.
        """
        token_ids, padding_mask = inputs["token_ids"], inputs["padding_mask"]
        weights = self._decoding_weights()
        _, hidden, cache = self._build_cache(token_ids, weights)
        index = ops.min(ops.sum(ops.cast(padding_mask, "int32"), axis=-1))
        penalty = self.repetition_penalty
        vocabulary_size = self.backbone.vocabulary_size
        state = cache
        if penalty != 1.0:
            before = ops.arange(ops.shape(token_ids)[1]) < index - 1
            seen = generation.seen_tokens(
                token_ids, ops.logical_and(padding_mask, before[None]), vocabulary_size
            )
            state = (cache, seen)

        def next(prompt, state, index):
            cache_update_index = index - 1  # the previous token's position
            batch_size = ops.shape(prompt)[0]
            token = ops.slice(prompt, [0, cache_update_index], [batch_size, 1])
            cache = state[0] if penalty != 1.0 else state
            logits, hidden, cache = self._decode_one(
                token, cache, cache_update_index, weights
            )
            if penalty == 1.0:
                return logits, hidden, cache
            seen = generation.add_seen_token(state[1], token)
            logits = generation.penalize_repetition(logits, seen, penalty)
            return logits, hidden, (cache, seen)

        token_ids = self.sampler(
            next=next,
            prompt=token_ids,
            cache=state,
            index=index,
            mask=padding_mask,
            stop_token_ids=stop_token_ids,
            hidden_states=hidden,
            model=self,
        )
        return {
            "token_ids": token_ids,
            "padding_mask": mask_after_stop(token_ids, padding_mask, stop_token_ids),
        }

    def generate(
        self,
        inputs,
        max_length=None,
        stop_token_ids="auto",
        strip_prompt=False,
        repetition_penalty=None,
    ):
        """Continues prompts; see `keras_hub.models.CausalLM.generate`.

        Nothing is cut without a word: `max_length` must fit the context
        (the backbone's `max_sequence_length`) and every prompt must leave
        room for a new token, else a `ValueError` says by how much. An empty
        prompt starts a new document (`</s>`).

        Args:
            inputs: a prompt (string) or a list of prompts of any lengths;
                without a preprocessor, a dict of `"token_ids"` and
                `"padding_mask"` (B, L) right-padded to the output length.
            max_length: the output length in tokens, prompt included: an
                integer from 2 to `max_sequence_length` (default: the
                preprocessor's `sequence_length`).
            stop_token_ids: `"auto"` (`</s>`), a list of ids, or None to
                generate `max_length` tokens.
            strip_prompt: whether to return the new text only.
            repetition_penalty: overrides `compile()`'s for this call.

        Returns:
            The text (for a string prompt) or a list of texts.

        Raises:
            ValueError: for a `max_length` outside [2, max_sequence_length],
                a prompt of `max_length` tokens or more, or no prompt.
            TypeError: for a prompt that is no string.
        """
        if self.preprocessor is not None and not isinstance(inputs, dict):
            inputs = self._check_prompts(inputs, max_length)
        penalty = self.repetition_penalty
        if repetition_penalty is not None and repetition_penalty != penalty:
            check_number(repetition_penalty, "repetition_penalty", "(0, inf)")
            self.repetition_penalty, self.generate_function = repetition_penalty, None
        try:
            return super().generate(
                inputs,
                max_length=max_length,
                stop_token_ids=stop_token_ids,
                strip_prompt=strip_prompt,
            )
        finally:
            if self.repetition_penalty != penalty:
                self.repetition_penalty, self.generate_function = penalty, None

    def _max_length(self, max_length):
        positions = self.backbone.max_sequence_length
        check_number(
            max_length,
            "max_length",
            f"[2, {positions}]",
            integer=True,
            optional=True,
            shown=f"`max_length` (the output length in tokens, prompt included; "
            f"at most the context, max_sequence_length={positions})",
        )
        if max_length is None:
            return min(self.preprocessor.sequence_length, positions)
        return max_length

    def _check_prompts(self, prompts, max_length):
        """The prompts as a list (or one string), their lengths checked."""
        single = isinstance(prompts, str)
        prompts = check_texts(prompts, name="prompts", allow_empty=True)
        max_length = self._max_length(max_length)
        longest = max(map(len, self.preprocessor.tokenize_prompts(prompts)))
        if longest >= max_length:
            raise ValueError(
                f"A prompt of {longest} tokens leaves no room to generate within "
                f"max_length={max_length} tokens (the output length, prompt "
                f"included; the context is {self.backbone.max_sequence_length}). "
                "Shorten the prompt or raise max_length."
            )
        return prompts[0] if single else prompts

    def stream(self, prompt, max_length=None, stop_token_ids="auto"):
        """Yields the text generated for one prompt, piece by piece.

        The same decoding as `generate()` (its cache, `self.sampler` and
        repetition penalty), run one step at a time in Python so that each
        new token's text is yielded as soon as it is sampled; a character
        spelled in several byte tokens is yielded whole. Beam search cannot
        stream (the best beam is known only at the end).

        Args:
            prompt: a string (may be empty).
            max_length: as in `generate()`.
            stop_token_ids: as in `generate()`.

        Yields:
            str pieces of the new text (the prompt not included).

        Raises:
            ValueError: as `generate()`, or for a beam-search sampler.
        """
        if isinstance(self.sampler, keras_hub.samplers.BeamSampler):
            raise ValueError(
                "Beam search cannot stream: its best sequence is known only at "
                "the end. Compile with another sampler or call `generate()`."
            )
        require_preprocessor(self, "stream", "to tokenize the prompt")
        if not isinstance(prompt, str):
            raise TypeError(
                f"`stream()` takes one prompt, a string. Received: {type(prompt)}"
            )
        self._check_prompts(prompt, max_length)
        max_length = self._max_length(max_length)
        if stop_token_ids == "auto":
            stop_token_ids = [self.preprocessor.tokenizer.end_token_id]
        stops = set(stop_token_ids or ())
        yield from generation.streamed_text(
            self.preprocessor.tokenizer,
            self._stream_tokens(prompt, max_length, stops),
        )

    def _stream_tokens(self, prompt, max_length, stops):
        """The growing list of new token ids, one step at a time."""
        prompt_ids = self.preprocessor.tokenize_prompts([prompt])[0]
        token_ids = ops.convert_to_tensor([prompt_ids], dtype="int32")
        with _no_grad():
            weights = self._decoding_weights()
            logits, _, cache = self._build_cache(token_ids, weights, max_length)
            logits = logits[:, -1]
            seen = None
            if self.repetition_penalty != 1.0:
                seen = generation.seen_tokens(
                    token_ids, ops.ones_like(token_ids), self.backbone.vocabulary_size
                )
            new_ids = []
            for index in range(len(prompt_ids), max_length):
                if seen is not None:
                    logits = generation.penalize_repetition(
                        logits, seen, self.repetition_penalty
                    )
                probabilities = self.sampler.compute_probabilities(logits)
                token = int(
                    ops.convert_to_numpy(self.sampler.get_next_token(probabilities))[0]
                )
                if token in stops:
                    return
                new_ids.append(token)
                yield new_ids
                if index + 1 == max_length:
                    return
                token_ids = ops.convert_to_tensor([[token]], dtype="int32")
                if seen is not None:
                    seen = generation.add_seen_token(seen, token_ids)
                logits, _, cache = self._decode_one(token_ids, cache, index, weights)

    def score(self, texts, batch_size=32):
        """Log-likelihood of every token of each text under the model.

        Each text is scored as the preprocessor packs it for training:
        its tokens, then `</s>`; the first token is context only (nothing
        comes before it), every later token and the closing `</s>` are
        predicted. A text longer than the preprocessor's `sequence_length`
        tokens is refused (score it in parts).

        Args:
            texts: a string or a list of strings.
            batch_size: texts scored together.

        Returns:
            list of dicts, one per text: `"tokens"` (the predicted tokens,
            as strings), `"log_likelihood"` (numpy array of natural-log
            probabilities, one per token), `"loss"` (their negative mean,
            nats per token) and `"perplexity"` (exp of the loss).

        Raises:
            ValueError: without a preprocessor, for no text or a text too
                long for the context.
        """
        require_preprocessor(self, "score")
        check_number(batch_size, "batch_size", "[1, inf)", integer=True)
        texts = check_texts([texts] if isinstance(texts, str) else texts)
        tokenizer = self.preprocessor.tokenizer
        limit = self.preprocessor.sequence_length
        lengths = [len(ids) + 1 for ids in tokenizer.tokenize(texts)]
        if max(lengths) > limit + 1:
            raise ValueError(
                f"A text of {max(lengths) - 1} tokens does not fit the "
                f"preprocessor's sequence_length={limit} (+1 for `</s>`). Score "
                "shorter texts or split them."
            )
        results = []
        for start in range(0, len(texts), batch_size):
            x, y, weight = self.preprocessor(texts[start : start + batch_size])
            logits = self(x, training=False)
            log_probabilities = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
            picked = ops.take_along_axis(log_probabilities, ops.expand_dims(y, -1), -1)
            picked = ops.convert_to_numpy(ops.squeeze(picked, -1))
            y, weight = ops.convert_to_numpy(y), ops.convert_to_numpy(weight)
            for row, labels, mask in zip(picked, y, weight):
                n = int(np.sum(mask))
                log_likelihood = row[:n].astype("float64")
                loss = float(-log_likelihood.mean())
                results.append(
                    {
                        "tokens": [tokenizer.id_to_token(int(i)) for i in labels[:n]],
                        "log_likelihood": log_likelihood,
                        "loss": loss,
                        "perplexity": float(np.exp(loss)),
                    }
                )
        return results

    def self_attention(self, text, layer=-1):
        """The causal self-attention over a text, for a heatmap.

        Args:
            text: a string (e.g. a prompt and its generated continuation).
            layer: which block (default: the last).

        Returns:
            dict of `"tokens"` (T token strings) and `"weights"`, a (T, T)
            numpy array averaged over heads; row t (a query) sums to 1 over
            the tokens 0..t. Draw it with
            `keras_attention.visualization.plot_attention_heatmap`.
        """
        require_preprocessor(self, "self_attention")
        ids = self.preprocessor.tokenize_prompts(check_texts([text], allow_empty=True))[
            0
        ]
        limit = self.backbone.max_sequence_length
        if len(ids) > limit:
            raise ValueError(
                f"The text has {len(ids)} tokens, more than the context of "
                f"{limit}. Received a text of {len(text)} characters."
            )
        token_ids = ops.convert_to_tensor([ids], dtype="int32")
        scores = self.backbone.attention_scores(token_ids, ops.ones_like(token_ids))
        weights = ops.convert_to_numpy(ops.mean(scores[layer], axis=1))[0]
        tokenizer = self.preprocessor.tokenizer
        return {
            "tokens": [tokenizer.id_to_token(int(i)) for i in ids],
            "weights": weights,
        }


def _no_grad():
    """`torch.no_grad()` on the torch backend (no graph kept), else nothing."""
    import contextlib

    if keras.config.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()

"""Translator task: encoder-decoder training and cached greedy / beam decoding.

Shape legend: B batch, S source length, T target length, V target vocabulary.
"""

import keras
import keras_hub
from keras import ops

from applications.common.checks import check_number, require_preprocessor
from applications.common.decoding import mask_after_stop
from applications.common.length_penalty import LengthPenaltyBeamSampler, choose_beams
from applications.common.presets import PresetMixin
from applications.common.texts import check_texts, is_python_text
from applications.translator.backbone import TranslatorBackbone
from applications.translator.preprocessor import TranslatorPreprocessor
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class Translator(PresetMixin, keras_hub.models.Seq2SeqLM):
    """Translates text with a `TranslatorBackbone` trained from scratch.

    A `keras_hub.models.Seq2SeqLM`: `fit()` trains with teacher forcing
    (cross-entropy over the target tokens, padding excluded); `generate()`
    and `translate()` decode token by token with the backbone's cache (the
    Transformer's self-attention keys and values, or the GRU states)
    through a keras-hub sampler, compiled with XLA on TensorFlow and JAX.

    Args:
        backbone: a `TranslatorBackbone`.
        preprocessor: a `TranslatorPreprocessor`, or None to feed token ids.
        **kwargs: forwarded to `keras_hub.models.Seq2SeqLM` (e.g. `name`).

    Call arguments:
        inputs: the backbone's inputs (the preprocessor's output).

    Returns:
        (B, T, V) next-token logits.

    Example:
    >>> translator = Translator.from_preset("translator_tiny_en_zh")
    >>> translator.translate(["How are you?"])
    ['你好吗？']
    >>> translator.translate(["How are you?"], num_beams=4)
    >>> translator.translate(["How are you?"], num_beams=4, length_penalty=0.6)
    """

    backbone_cls = TranslatorBackbone
    preprocessor_cls = TranslatorPreprocessor

    def __init__(self, backbone, preprocessor=None, **kwargs):
        if preprocessor is not None:
            _check_compatible(backbone, preprocessor)
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor

        # === Functional model ===
        inputs = backbone.input
        outputs = backbone(inputs)  # (B, T, V)
        compile_now = kwargs.pop("compile", True)
        super().__init__(inputs=inputs, outputs=outputs, compile=False, **kwargs)
        self._generate_functions = {}
        if compile_now:
            self.compile()

    def compile(
        self,
        optimizer="auto",
        loss="auto",
        *,
        weighted_metrics="auto",
        sampler="greedy",
        **kwargs,
    ):
        """Configures training and generation (see `Seq2SeqLM.compile`).

        The `"auto"` optimizer is Adam with learning rate 5e-4, suited to
        training a small model from scratch; the default sampler is greedy.
        """
        if optimizer == "auto":
            optimizer = keras.optimizers.Adam(learning_rate=5e-4)
        super().compile(
            optimizer=optimizer,
            loss=loss,
            weighted_metrics=weighted_metrics,
            sampler=sampler,
            **kwargs,
        )
        self._generate_functions = {}

    def generate_step(self, inputs, stop_token_ids=None):
        """Decodes a batch of packed inputs with the cache (compilable).

        The encoder runs once; the target prefix (at least `[START]`) is fed
        into the cache one token at a time, then the sampler extends it, one
        `call_decoder_with_cache()` per new token.

        Args:
            inputs: dict of `"encoder_token_ids"`, `"encoder_padding_mask"`,
                `"decoder_token_ids"` and `"decoder_padding_mask"`.
            stop_token_ids: token ids that end a sequence (e.g. `[END]`).

        Returns:
            dict of `"decoder_token_ids"` and `"decoder_padding_mask"` (B, T).
        """
        encoder_padding_mask = inputs["encoder_padding_mask"]
        decoder_token_ids = inputs["decoder_token_ids"]
        decoder_padding_mask = inputs["decoder_padding_mask"]
        encoder_outputs, initial_state = self.backbone.call_encoder(
            inputs["encoder_token_ids"], encoder_padding_mask
        )
        max_length = ops.shape(decoder_token_ids)[1]
        cache = self.backbone.initial_cache(encoder_outputs, initial_state, max_length)
        row_lengths = ops.sum(ops.cast(decoder_padding_mask, "int32"), axis=-1)
        index = ops.min(row_lengths)  # the first position to generate

        def next(prompt, state, index):
            cache, encoder_outputs, encoder_padding_mask = state
            cache_index = index - 1  # the previous token's position
            batch_size = ops.shape(prompt)[0]
            token = ops.slice(prompt, [0, cache_index], [batch_size, 1])  # (B, 1)
            logits, hidden, cache = self.backbone.call_decoder_with_cache(
                encoder_outputs, encoder_padding_mask, token, cache, cache_index
            )
            state = (cache, encoder_outputs, encoder_padding_mask)
            return ops.squeeze(logits, 1), ops.squeeze(hidden, 1), state

        # Feed the prefix before the first generated position into the cache.
        def feed(i, state):
            _, _, state = next(decoder_token_ids, state, i + 1)
            return state

        state = (cache, encoder_outputs, encoder_padding_mask)
        state = ops.fori_loop(0, index - 1, feed, state)
        decoder_token_ids = self.sampler(
            next=next,
            prompt=decoder_token_ids,
            cache=state,
            index=index,
            mask=decoder_padding_mask,
            stop_token_ids=stop_token_ids,
            model=self,
        )
        if isinstance(decoder_token_ids, tuple):  # all beams: choose one
            decoder_token_ids = self._choose_beam(
                inputs, decoder_token_ids[0], stop_token_ids
            )
        decoder_padding_mask = mask_after_stop(
            decoder_token_ids, inputs["decoder_padding_mask"], stop_token_ids
        )
        return {
            "decoder_token_ids": decoder_token_ids,
            "decoder_padding_mask": decoder_padding_mask,
        }

    def _choose_beam(self, inputs, beams, stop_token_ids):
        """The beam of best length-penalized log-probability (`choose_beams`,
        GNMT's penalty with the sampler's `length_penalty`, 0 if it has
        none), each beam rescored with a teacher-forced pass: (B, K, T)
        beams -> (B, T) ids."""
        num_beams = ops.shape(beams)[1]
        flat = ops.reshape(beams, (-1, ops.shape(beams)[2]))  # (B * K, T)

        def repeat(x):  # (B, S) -> (B * K, S), each row K times in a row
            return ops.repeat(x, num_beams, axis=0)

        logits = self.backbone(
            {
                "encoder_token_ids": repeat(inputs["encoder_token_ids"]),
                "encoder_padding_mask": repeat(inputs["encoder_padding_mask"]),
                "decoder_token_ids": flat,
                "decoder_padding_mask": ops.ones_like(flat),
            },
            training=False,
        )  # (B * K, T, V)
        log_probs = ops.log_softmax(ops.cast(logits[:, :-1], "float32"), axis=-1)
        # Token t's log-probability is read from the logits at t - 1.
        next_ids = ops.expand_dims(ops.cast(flat[:, 1:], "int32"), -1)
        token_log_probs = ops.squeeze(
            ops.take_along_axis(log_probs, next_ids, axis=-1), -1
        )  # (B * K, T - 1)
        token_log_probs = ops.pad(token_log_probs, [[0, 0], [1, 0]])  # (B * K, T)
        token_log_probs = ops.reshape(token_log_probs, ops.shape(beams))
        generated = ops.logical_not(ops.cast(inputs["decoder_padding_mask"], "bool"))
        chosen, _ = choose_beams(
            beams,
            token_log_probs,
            generated,
            tuple(stop_token_ids or ()),
            getattr(self.sampler, "length_penalty", 0.0),
        )
        return chosen

    def generate(
        self,
        inputs,
        max_length=None,
        stop_token_ids="auto",
        strip_prompt=False,
        on_overflow="warn",
    ):
        """Generates translations; see `keras_hub.models.Seq2SeqLM.generate`.

        Checked first, so that nothing is cut or clamped without a word:
        `max_length` must leave room for `[START]` and a token and fit the
        backbone's positions; a target prefix (`inputs["decoder_text"]`)
        must leave room to generate; a source longer than the
        preprocessor's `encoder_sequence_length` follows `on_overflow` (see
        `translate`). Without a preprocessor, token-id inputs must fit the
        backbone's positions. Decoding uses `self.sampler` (greedy or beam
        search, set by `compile(sampler=...)`; `translate(num_beams=...)`
        picks one per call). A sampler that returns all its beams
        (`applications.common.length_penalty.LengthPenaltyBeamSampler`, or
        a `BeamSampler` with `return_all_beams=True`) has its beams
        rescored and one chosen with GNMT's length penalty (see
        `translate`'s `length_penalty`).

        Args:
            inputs: source sentences (a string or a list of strings, or a
                `tf.data.Dataset` of them), or a dict with `"encoder_text"`
                (the sources) and `"decoder_text"` (target prefixes to
                continue); without a preprocessor, a dict of token ids
                (`"encoder_token_ids"`, `"decoder_token_ids"` and their
                padding masks).
            max_length: the longest output in tokens, `[START]` included:
                an integer from 2 to the backbone's `max_sequence_length`
                (default: the preprocessor's `decoder_sequence_length`).
            stop_token_ids: token ids that end generation; `"auto"`: the
                tokenizer's `[END]`; None: generate `max_length` tokens.
            strip_prompt: whether to drop the target prefix from the output.
            on_overflow: for sources longer than `encoder_sequence_length`
                tokens: `"warn"` (cut them, one `UserWarning` per call),
                `"truncate"` (cut them silently, nothing tokenized to check)
                or `"error"` (raise a `ValueError`).

        Returns:
            The generated text(s), as keras-hub's `generate` returns them.

        Raises:
            ValueError, TypeError: for a `max_length`, prefix or input that
                does not fit (see above).
        """
        self._check_generate(inputs, max_length, on_overflow)
        return super().generate(
            inputs,
            max_length=max_length,
            stop_token_ids=stop_token_ids,
            strip_prompt=strip_prompt,
        )

    def _check_generate(self, inputs, max_length, on_overflow):
        positions = self.backbone.max_sequence_length
        check_number(
            max_length,
            "max_length",
            f"[2, {positions}]",
            integer=True,
            optional=True,
            shown=f"`max_length` (the longest translation in tokens, [START] "
            f"included; at most the backbone's max_sequence_length={positions})",
        )
        if self.preprocessor is None:
            if isinstance(inputs, dict):
                for key in ("encoder_token_ids", "decoder_token_ids"):
                    shape = getattr(inputs.get(key), "shape", None)
                    if shape is not None and shape[-1] is not None:
                        check_number(
                            int(shape[-1]),
                            f"inputs['{key}'].shape[-1]",
                            f"[1, {positions}]",
                            integer=True,
                            shown=f"`inputs['{key}']` (its length, at most the "
                            f"backbone's max_sequence_length={positions})",
                        )
            return
        sources = inputs["encoder_text"] if isinstance(inputs, dict) else inputs
        if is_python_text(sources):
            self.preprocessor.check_lengths(check_texts(sources), on_overflow)

    def translate(
        self,
        texts,
        num_beams=1,
        max_length=None,
        batch_size=32,
        on_overflow="warn",
        length_penalty=None,
    ):
        """Translates sentences with cached greedy or beam-search decoding.

        A source longer than the preprocessor's `encoder_sequence_length`
        (in tokens, `[START]` and `[END]` included) is read up to that
        length only; what is done about it is `on_overflow`'s choice.

        Args:
            texts: a string or a list of strings (none empty).
            num_beams: 1 for greedy decoding (`keras_hub.samplers.GreedySampler`),
                more for beam search with that many beams
                (`keras_hub.samplers.BeamSampler`).
            max_length: the longest translation in tokens, `[START]`
                included: an integer from 2 to the backbone's
                `max_sequence_length` (default: the preprocessor's
                `decoder_sequence_length`).
            batch_size: sentences decoded together (a positive integer).
            on_overflow: for sources longer than the model takes: `"warn"`
                (cut them, with one `UserWarning` per call naming the
                longest one's length and the limit), `"truncate"` (cut
                them silently) or `"error"` (raise a `ValueError`); see
                `applications.common.texts`.
            length_penalty: with beam search, GNMT's alpha >= 0 (Wu et al.
                2016): of the `num_beams` final beams, the one of best
                log P(Y | X) / ((5 + |Y|) / 6) ** alpha is chosen, |Y| its
                tokens up to and including `[END]`, each beam rescored up
                to its `[END]` (`applications.common.length_penalty`;
                GNMT used alpha 0.6-0.7, and 0 chooses by probability
                alone). None (the default): keras-hub's `BeamSampler`
                choice, the beam of best score as it kept it (which also
                counts the tokens it drew after `[END]`).

        Returns:
            The translation (a string) of a string, or a list of them.

        Raises:
            ValueError: without a preprocessor, for empty texts, a
                `num_beams` or `batch_size` below 1, a `max_length` outside
                [2, max_sequence_length], another `on_overflow`, a negative
                `length_penalty` or one with `num_beams=1`, or with
                `on_overflow="error"` a source that is too long.
            TypeError: for a text that is no string, or a number argument
                that is no integer.
        """
        require_preprocessor(self, "translate")
        check_number(num_beams, "num_beams", "[1, inf)", integer=True)
        check_number(batch_size, "batch_size", "[1, inf)", integer=True)
        check_number(length_penalty, "length_penalty", "[0, inf)", optional=True)
        if length_penalty is not None and num_beams == 1:
            raise ValueError(
                "`length_penalty` chooses among the beams of beam search and "
                "needs `num_beams` above 1. Received: num_beams=1, "
                f"length_penalty={length_penalty!r}"
            )
        single = isinstance(texts, str)
        texts = check_texts(texts)
        # Checked once for all the batches: one warning per call.
        self._check_generate(texts, max_length, on_overflow)
        compiled_sampler, compiled_function = self.sampler, self.generate_function
        key = (num_beams, None if length_penalty is None else float(length_penalty))
        if key not in self._generate_functions:
            if num_beams == 1:
                sampler = keras_hub.samplers.GreedySampler()
            elif length_penalty is None:
                sampler = keras_hub.samplers.BeamSampler(num_beams=num_beams)
            else:
                sampler = LengthPenaltyBeamSampler(num_beams, length_penalty)
            self._generate_functions[key] = (sampler, None)
        self.sampler, self.generate_function = self._generate_functions[key]
        try:
            translations = []
            for start in range(0, len(texts), batch_size):
                # keras-hub's `generate`: the checks of `self.generate` ran
                # above, once for all the batches.
                translations += super().generate(
                    texts[start : start + batch_size], max_length=max_length
                )
            self._generate_functions[key] = (self.sampler, self.generate_function)
        finally:
            self.sampler, self.generate_function = compiled_sampler, compiled_function
        return translations[0] if single else translations

    def cross_attention(self, source, translation=None):
        """The attention of a translation over its source, for a heatmap.

        Args:
            source: one source sentence.
            translation: its translation; by default `translate(source)`.

        Returns:
            dict with `"source_tokens"` (S strings, special tokens included),
            `"target_tokens"` (T strings: the translation's tokens, then
            `[END]`; row t is the step that predicted token t) and
            `"weights"`, a (T, S) numpy array whose rows sum to 1. Draw it
            with `keras_attention.visualization.plot_attention_heatmap`.

        Example:
        >>> attention = translator.cross_attention("I like tea.")
        >>> plot_attention_heatmap(attention["weights"],
        ...     attention["target_tokens"], attention["source_tokens"])
        """
        require_preprocessor(self, "cross_attention")
        check_texts([source], name="source")
        if translation is None:
            translation = self.translate(source)
        x, labels, label_mask = self.preprocessor([source], [translation])
        weights = self.backbone.cross_attention_weights(x)  # (1, T, S)
        weights = ops.convert_to_numpy(weights)[0]
        source_length = int(x["encoder_padding_mask"][0].sum())
        target_length = int(label_mask[0].sum())

        def tokens(tokenizer, ids):
            return [tokenizer.id_to_token(int(i)) for i in ids]

        return {
            "source_tokens": tokens(
                self.preprocessor.tokenizer, x["encoder_token_ids"][0, :source_length]
            ),
            "target_tokens": tokens(
                self.preprocessor.decoder_tokenizer, labels[0, :target_length]
            ),
            "weights": weights[:target_length, :source_length],
        }


def _check_compatible(backbone, preprocessor):
    """The vocabularies and lengths of a preprocessor fit the backbone."""
    sizes = {
        "target": (preprocessor.decoder_tokenizer, backbone.vocabulary_size),
        "source": (
            preprocessor.tokenizer,
            backbone.source_vocabulary_size or backbone.vocabulary_size,
        ),
    }
    for side, (tokenizer, model_size) in sizes.items():
        # A tokenizer loaded from a preset gets its vocabulary afterwards.
        vocabulary = getattr(tokenizer, "vocabulary", None)
        tokenizer_size = None if vocabulary is None else len(vocabulary)
        if tokenizer_size is not None and tokenizer_size > model_size:
            raise ValueError(
                f"The {side} tokenizer has {tokenizer_size} tokens but the "
                f"backbone's {side} vocabulary has {model_size}. Build the "
                "backbone with the tokenizers' vocabulary sizes."
            )
    longest = max(
        preprocessor.encoder_sequence_length, preprocessor.decoder_sequence_length
    )
    if longest > backbone.max_sequence_length:
        raise ValueError(
            "The preprocessor's sequence lengths must not exceed the backbone's "
            f"`max_sequence_length`. Received: encoder_sequence_length="
            f"{preprocessor.encoder_sequence_length}, decoder_sequence_length="
            f"{preprocessor.decoder_sequence_length}, max_sequence_length="
            f"{backbone.max_sequence_length}"
        )

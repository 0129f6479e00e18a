"""Preprocessor of the translator: sentence pairs -> packed token ids.

Shape legend: B batch, S `encoder_sequence_length`, T
`decoder_sequence_length`.
"""

import keras
import keras_hub
import numpy as np

from applications.common.presets import PresetMixin
from applications.common.texts import check_lengths, check_texts
from applications.translator.backbone import TranslatorBackbone
from applications.translator.tokenizer import TranslatorTokenizer
from keras_attention.api_export import keras_attention_export

TARGET_TOKENIZER_CONFIG_FILE = "target_tokenizer.json"


def _in_tf_graph():
    """Whether the code runs inside a `tf.data` / `tf.function` graph."""
    import tensorflow as tf

    return not tf.executing_eagerly()


def _to_numpy(tree):
    return keras.tree.map_structure(
        lambda t: t.numpy() if hasattr(t, "numpy") else t, tree
    )


@keras_attention_export
class TranslatorPreprocessor(PresetMixin, keras_hub.models.Seq2SeqLMPreprocessor):
    """Tokenizes sentence pairs and packs them for teacher-forced training.

    A `keras_hub.models.Seq2SeqLMPreprocessor` with an optional second
    tokenizer for the target language (a separate vocabulary; None shares
    the source tokenizer). Sources are packed as `[START] ids [END] [PAD]...`
    (S tokens); targets as T + 1 tokens, from which the decoder reads the
    first T and learns to predict the last T (labels, weighted by the
    padding mask). Runs inside `tf.data` during `fit()` and eagerly on Python
    strings.

    Args:
        tokenizer: the source `TranslatorTokenizer` (shared with the target
            when `target_tokenizer` is None).
        target_tokenizer: the target `TranslatorTokenizer`, created with
            `config_file="target_tokenizer.json"` so that a preset keeps
            both; or None.
        encoder_sequence_length: S, the padded source length.
        decoder_sequence_length: T, the padded target length.
        pad_to_multiple_of: None pads every pair to S and T. An integer m
            pads the pairs of a call (a batch) only to their longest source
            and target, rounded up to a multiple of m (at most S and T), as
            fairseq and Hugging Face's `pad_to_multiple_of` do: the same
            losses at a fraction of the cost when most sentences are short
            (eng-cmn batches of 64 need about 16 source and 24 target
            positions of 32). A compiled step is traced once per shape, so
            m keeps the shapes few; 8 is the training default.
        **kwargs: forwarded to `keras_hub.models.Seq2SeqLMPreprocessor`.

    Call arguments:
        x: a dict `{"encoder_text": sources, "decoder_text": targets}`, or
            the sources alone with the targets as `y`.
        y: the target sentences when `x` holds the sources.
        sample_weight: must be None (the padding mask weights the labels).

    Returns:
        `(x, y, sample_weight)`: `x` a dict of `"encoder_token_ids"`,
        `"encoder_padding_mask"` (B, S), `"decoder_token_ids"`,
        `"decoder_padding_mask"` (B, T); `y` (B, T) next-token labels.

    Example:
    >>> source = TranslatorTokenizer.from_texts(["I like tea."], 50)
    >>> target = TranslatorTokenizer.from_texts(
    ...     ["我喜欢茶。"], 50, lowercase=False,
    ...     config_file="target_tokenizer.json")
    >>> preprocessor = TranslatorPreprocessor(source, target, 8, 8)
    >>> x, y, weights = preprocessor(["I like tea."], ["我喜欢茶。"])
    """

    backbone_cls = TranslatorBackbone
    tokenizer_cls = TranslatorTokenizer

    def __init__(
        self,
        tokenizer,
        target_tokenizer=None,
        encoder_sequence_length=32,
        decoder_sequence_length=32,
        pad_to_multiple_of=None,
        **kwargs,
    ):
        if pad_to_multiple_of is not None and (
            not isinstance(pad_to_multiple_of, int) or pad_to_multiple_of < 1
        ):
            raise ValueError(
                "`pad_to_multiple_of` must be None (pad to the sequence "
                "lengths) or a positive integer. Received: "
                f"pad_to_multiple_of={pad_to_multiple_of!r}"
            )
        for name, length in (
            ("encoder_sequence_length", encoder_sequence_length),
            ("decoder_sequence_length", decoder_sequence_length),
        ):
            if not isinstance(length, int) or length < 3:
                raise ValueError(
                    f"`{name}` must be an integer >= 3 (room for [START], a "
                    f"token and [END]). Received: {name}={length!r}"
                )
        if target_tokenizer is not None and (
            target_tokenizer.config_file == tokenizer.config_file
        ):
            raise ValueError(
                "The source and target tokenizers must have different "
                "`config_file`s so that a preset keeps both. Create the target "
                f"one with config_file={TARGET_TOKENIZER_CONFIG_FILE!r}. "
                f"Received: {target_tokenizer.config_file!r} for both."
            )
        super().__init__(
            tokenizer=tokenizer,
            encoder_sequence_length=encoder_sequence_length,
            decoder_sequence_length=decoder_sequence_length,
            **kwargs,
        )
        self.target_tokenizer = target_tokenizer
        self.pad_to_multiple_of = pad_to_multiple_of

    @property
    def decoder_tokenizer(self):
        """The tokenizer of the target language."""
        return self.target_tokenizer or self.tokenizer

    def build(self, input_shape):
        super().build(input_shape)
        target = self.decoder_tokenizer
        self.decoder_packer = keras_hub.layers.StartEndPacker(
            start_value=target.start_token_id,
            end_value=target.end_token_id,
            pad_value=target.pad_token_id,
            sequence_length=self.decoder_sequence_length,
            return_padding_mask=True,
        )

    def call(self, x, y=None, sample_weight=None):
        if not isinstance(x, dict):
            if y is None:
                raise ValueError(
                    "Training pairs need targets: pass x={'encoder_text': ..., "
                    "'decoder_text': ...} or the sources as x and the targets as "
                    "y. Received: y=None"
                )
            x, y = {"encoder_text": x, "decoder_text": y}, None
        if sample_weight is not None:
            raise ValueError(
                "`sample_weight` must be None: the target padding mask weights "
                f"the labels. Received: sample_weight={sample_weight!r:.80}"
            )
        eager = not _in_tf_graph()
        sources, targets = x["encoder_text"], x["decoder_text"]
        if eager:
            sources = check_texts(sources, name="encoder_text")
            targets = check_texts(targets, name="decoder_text")
        x, y, sample_weight = self._pack(sources, targets)
        return _to_numpy((x, y, sample_weight)) if eager else (x, y, sample_weight)

    def _pack(self, sources, targets):
        import tensorflow as tf

        if not self.built:
            self.build(None)
        encoder_token_ids, encoder_padding_mask = self.encoder_packer(
            self.tokenizer(tf.convert_to_tensor(sources))
        )
        decoder_token_ids, decoder_padding_mask = self.decoder_packer(
            self.decoder_tokenizer(tf.convert_to_tensor(targets)),
            sequence_length=self.decoder_sequence_length + 1,
        )
        x = {
            "encoder_token_ids": encoder_token_ids,
            "encoder_padding_mask": encoder_padding_mask,
            "decoder_token_ids": decoder_token_ids[..., :-1],
            "decoder_padding_mask": decoder_padding_mask[..., :-1],
        }
        # Shifted left by one: the decoder predicts the next target token.
        y, sample_weight = decoder_token_ids[..., 1:], decoder_padding_mask[..., 1:]
        if self.pad_to_multiple_of is None:
            return x, y, sample_weight
        source_length = self._padded_length(encoder_padding_mask)
        target_length = self._padded_length(sample_weight)
        x = {
            key: value[
                :, : source_length if key.startswith("encoder") else target_length
            ]
            for key, value in x.items()
        }
        return x, y[:, :target_length], sample_weight[:, :target_length]

    def _padded_length(self, padding_mask):
        """The longest row of `padding_mask` (B, L), rounded up to a
        multiple of `pad_to_multiple_of` and at most L."""
        import tensorflow as tf

        multiple = self.pad_to_multiple_of
        lengths = tf.reduce_sum(tf.cast(padding_mask, "int32"), axis=-1)
        longest = tf.maximum(tf.reduce_max(lengths), 1)
        return tf.minimum(
            -(-longest // multiple) * multiple, tf.shape(padding_mask)[-1]
        )

    def generate_preprocess(self, x, sequence_length=None):
        """Packs sources (and optional target prefixes) for `generate()`.

        Args:
            x: source strings, or a dict with `"encoder_text"` and
                `"decoder_text"` (a target prefix to continue).
            sequence_length: the padded target length T (default
                `decoder_sequence_length`).

        Returns:
            dict of `"encoder_token_ids"`, `"encoder_padding_mask"` (B, S),
            `"decoder_token_ids"`, `"decoder_padding_mask"` (B, T); the
            target starts with `[START]` and has no `[END]`.

        Raises:
            ValueError: (for Python strings) when a prefix with `[START]`
                leaves no position of the T to generate: it would be cut.
        """
        import tensorflow as tf

        if not self.built:
            self.build(None)
        if isinstance(x, dict):
            sources, prefixes = x["encoder_text"], x["decoder_text"]
        else:
            sources, prefixes = x, None
        eager = not _in_tf_graph()
        if eager:
            sources = check_texts(sources)
            if prefixes is None:
                prefixes = [""] * len(sources)
            elif isinstance(prefixes, str):
                prefixes = [prefixes]
            self.check_prefixes(prefixes, sequence_length)
        elif prefixes is None:
            prefixes = tf.fill(tf.shape(sources), "")
        encoder_token_ids, encoder_padding_mask = self.encoder_packer(
            self.tokenizer(tf.convert_to_tensor(sources))
        )
        decoder_token_ids, decoder_padding_mask = self.decoder_packer(
            self.decoder_tokenizer(tf.convert_to_tensor(prefixes)),
            sequence_length=sequence_length or self.decoder_sequence_length,
            add_end_value=False,
        )
        x = {
            "encoder_token_ids": encoder_token_ids,
            "encoder_padding_mask": encoder_padding_mask,
            "decoder_token_ids": decoder_token_ids,
            "decoder_padding_mask": decoder_padding_mask,
        }
        return _to_numpy(x) if eager else x

    def check_lengths(self, sources, on_overflow="warn", name="texts"):
        """Applies `on_overflow` to sources longer than
        `encoder_sequence_length` tokens (`[START]` and `[END]` included);
        see `applications.common.texts.check_lengths`.

        Returns:
            list of int: each source's length in tokens (None with
            `"truncate"`: nothing is tokenized).
        """
        return check_lengths(
            self.tokenizer, sources, self.encoder_sequence_length, 2, on_overflow, name
        )

    def check_prefixes(self, prefixes, sequence_length=None):
        """Checks that target prefixes leave room to generate.

        Args:
            prefixes: list of str (`""`: no prefix).
            sequence_length: the padded target length T (default
                `decoder_sequence_length`).

        Raises:
            TypeError: for a prefix that is not a string.
            ValueError: for a prefix whose tokens and `[START]` fill T
                positions or more (it would be cut, nothing generated).
        """
        length = sequence_length or self.decoder_sequence_length
        for index, prefix in enumerate(prefixes):
            if not isinstance(prefix, (str, bytes)):
                raise TypeError(
                    "`decoder_text` must hold strings (target prefixes). "
                    f"Received {type(prefix).__name__} {prefix!r:.80} at index {index}."
                )
        counts = [len(ids) + 1 for ids in self.decoder_tokenizer(list(prefixes))]
        for index, count in enumerate(counts):
            if count >= length:
                raise ValueError(
                    f"`decoder_text[{index}]`, a target prefix, has {count - 1} "
                    f"tokens: with [START] it fills {count} of the {length} "
                    "positions of the translation (`max_length`, default "
                    "`decoder_sequence_length`), leaving none to generate. "
                    f"Expected a prefix of at most {length - 2} tokens."
                )

    def generate_postprocess(self, x):
        """Turns generated target ids into strings (special tokens removed).

        Args:
            x: dict of `"decoder_token_ids"` and `"decoder_padding_mask"`
                (B, T), as returned by `generate()` without a preprocessor.

        Returns:
            list of B strings.
        """
        import tensorflow as tf

        token_ids = np.asarray(keras.ops.convert_to_numpy(x["decoder_token_ids"]))
        mask = np.asarray(keras.ops.convert_to_numpy(x["decoder_padding_mask"]))
        special = set(self.decoder_tokenizer.special_token_ids)
        rows = [
            [int(t) for t, keep in zip(row, row_mask) if keep and int(t) not in special]
            for row, row_mask in zip(token_ids, mask)
        ]
        texts = self.decoder_tokenizer.detokenize(tf.ragged.constant(rows, "int32"))
        if isinstance(texts, list):
            return texts
        return [text.decode("utf-8") for text in texts.numpy().tolist()]

    def get_config(self):
        config = super().get_config()
        config["encoder_sequence_length"] = self.encoder_sequence_length
        config["decoder_sequence_length"] = self.decoder_sequence_length
        config["pad_to_multiple_of"] = self.pad_to_multiple_of
        config["target_tokenizer"] = (
            None
            if self.target_tokenizer is None
            else keras.layers.serialize(self.target_tokenizer)
        )
        return config

    @classmethod
    def from_config(cls, config):
        if isinstance(config.get("target_tokenizer"), dict):
            config["target_tokenizer"] = keras.layers.deserialize(
                config["target_tokenizer"]
            )
        return super().from_config(config)

"""BERT's masked language model: pretraining by predicting masked tokens,
and `fill_mask`.

Shape legend: B batch, T sequence length, P masked positions, E width, V
vocabulary, K `top_k`.
"""

import keras
import keras_hub
import numpy as np

from applications.bert.backbone import BertBackbone, bert_initializer
from applications.bert.masked_lm_head import MaskedLMHead
from applications.bert.preprocessor import BertMaskedLMPreprocessor
from applications.bert.tokenizer import SPACE_PIECE
from applications.common.checks import (
    check_number,
    check_tokenizer_fits_backbone,
    require_preprocessor,
)
from applications.common.presets import PresetMixin
from applications.common.texts import check_texts
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class BertMaskedLM(PresetMixin, keras_hub.models.MaskedLM):
    """Pretrains a `BertBackbone` by predicting masked tokens (Devlin et al.
    2019).

    A `keras_hub.models.MaskedLM`: `fit()` on texts masks them anew for
    every batch (`BertMaskedLMPreprocessor`) and trains the cross-entropy
    of the original tokens at the masked positions, weighted by the mask
    weights (padding of `mask_positions` counts for nothing); the
    masked-token accuracy is weighted the same way. The head
    (`MaskedLMHead`) scores only the masked positions: a dense layer with
    GELU and a layer norm, then the transposed token embedding (tied
    weights) plus a bias.

    `fill_mask(texts, top_k)` gives the most likely tokens, with their
    probabilities, for every `[MASK]` of every text.

    Reference: Devlin et al., "BERT: Pre-training of Deep Bidirectional
    Transformers for Language Understanding", NAACL 2019.

    Args:
        backbone: a `BertBackbone`.
        preprocessor: a `BertMaskedLMPreprocessor`, or None to feed token ids.
        **kwargs: forwarded to `keras_hub.models.MaskedLM` (e.g. `name`).

    Call arguments:
        inputs: dict of the backbone's inputs (`"token_ids"`,
            `"segment_ids"`, `"padding_mask"`, (B, T) each) and
            `"mask_positions"` (B, P).

    Returns:
        (B, P, V) logits of the tokens at the masked positions.

    Raises:
        ValueError: if the preprocessor's `sequence_length` exceeds the
            backbone's `max_sequence_length`, or its tokenizer's vocabulary
            is not the backbone's.

    Example:
    >>> texts = ["the cat sat on the mat", "the dog sat on the log"]
    >>> tokenizer = BertTokenizer.from_texts(texts, vocabulary_size=300)
    >>> backbone = BertBackbone(vocabulary_size=tokenizer.vocabulary_size(),
    ...     num_layers=1, num_heads=2, hidden_dim=32, intermediate_dim=64,
    ...     max_sequence_length=16)
    >>> preprocessor = BertMaskedLMPreprocessor(tokenizer, sequence_length=16,
    ...     mask_selection_length=4)
    >>> masked_lm = BertMaskedLM(backbone, preprocessor)
    >>> masked_lm.fit(texts, batch_size=2, epochs=1)
    >>> masked_lm.fill_mask(["the cat sat on the [MASK]"], top_k=3)
    [[[(' mat', 0.41), (' log', 0.22), (' the', 0.05)]]]
    """

    backbone_cls = BertBackbone
    preprocessor_cls = BertMaskedLMPreprocessor

    def __init__(self, backbone, preprocessor=None, **kwargs):
        _check_preprocessor(backbone, preprocessor)

        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        self.masked_lm_head = MaskedLMHead(
            backbone.token_embedding,
            layer_norm_epsilon=backbone.layer_norm_epsilon,
            kernel_initializer=bert_initializer(),
            dtype=backbone.dtype_policy,
            name="mlm_head",
        )

        # === Functional model ===
        inputs = {
            **backbone.input,
            "mask_positions": keras.Input(
                (None,), dtype="int32", name="mask_positions"
            ),
        }
        sequence = backbone(backbone.input)["sequence_output"]  # (B, T, E)
        outputs = self.masked_lm_head(sequence, inputs["mask_positions"])
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

    def compile(
        self,
        optimizer="auto",
        loss="auto",
        *,
        weighted_metrics="auto",
        **kwargs,
    ):
        """Configures training (see `keras_hub.models.MaskedLM.compile`).

        Args:
            optimizer: `"auto"` is BERT's AdamW (learning rate 1e-4, weight
                decay 0.01, no decay of biases and layer norms, gradients
                clipped at norm 1); the warm-up and decay of the learning
                rate belong to the training recipe.
            loss: `"auto"` is the sparse cross-entropy from logits,
                averaged over the masked tokens (the mask weights' sum,
                BERT's `sum(loss x weight) / sum(weight)`), not over the
                `mask_selection_length` slots, whose padding would scale
                it down with the share of unused slots.
            weighted_metrics: `"auto"` is the masked-token accuracy
                (`"masked_accuracy"`), weighted by the mask weights.
            **kwargs: forwarded to `keras.Model.compile`.
        """
        if optimizer == "auto":
            optimizer = bert_optimizer()
        if loss == "auto":
            loss = keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight"
            )
        if weighted_metrics == "auto":
            weighted_metrics = [
                keras.metrics.SparseCategoricalAccuracy(name="masked_accuracy")
            ]
        super().compile(
            optimizer=optimizer,
            loss=loss,
            weighted_metrics=weighted_metrics,
            **kwargs,
        )

    def save_task_weights(self, filepath):
        """Saves the head's weights, without the backbone or the optimizer.

        keras-hub's version also writes the optimizer's variables, which a
        preset does not need and a freshly compiled task warns it cannot load.
        """
        keras.saving.save_weights(self, filepath, objects_to_skip=self._not_head())

    def load_task_weights(self, filepath):
        """Loads head weights written by `save_task_weights()`."""
        keras.saving.load_weights(self, filepath, objects_to_skip=self._not_head())

    def _not_head(self):
        skipped = list(self.backbone._flatten_layers())
        return skipped + ([self.optimizer] if self.optimizer is not None else [])

    def preprocess_samples(self, x, y=None, sample_weight=None):
        """Texts go through the preprocessor (without `"segment_ids"` for a
        backbone that has no segment embedding); a dict of the model's
        inputs is fed as it is."""
        if isinstance(x, dict):
            return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
        outputs = super().preprocess_samples(x, y, sample_weight)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(outputs)
        if isinstance(x, dict) and "segment_ids" not in self.backbone.input:
            x = {key: value for key, value in x.items() if key != "segment_ids"}
        return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)

    def fill_mask(self, texts, top_k=5):
        """The most likely tokens for every `[MASK]` of every text.

        Each `[MASK]` stands for one token, written where a word (or a piece
        of one) would be: `"the cat sat on the [MASK]."`. A space before
        `[MASK]` belongs to the token it hides, as in training, where a
        masked word's first piece carries its space. The texts are packed
        as in training (`[CLS] ... [SEP]`, no masking drawn).

        Args:
            texts: a string or a list of strings, each with at least one
                `[MASK]`.
            top_k: K, how many candidates per mask, in [1, V].

        Returns:
            For a list, one list per text; for a string, that text's list:
            per `[MASK]` (in order), a list of K `(token, probability)`
            pairs, most likely first. A token is the piece's text, with
            SentencePiece's word start `"\u2581"` written as a space
            (`" mat"` starts a word, `"at"` continues one).

        Raises:
            ValueError: without a preprocessor, for an empty text, a text
                without `[MASK]`, a text with more masks than fit in the
                preprocessor's `sequence_length` (`[CLS]` and `[SEP]`
                included), or `top_k` outside [1, V].
            TypeError: for a text that is not a string or a `top_k` that is
                not an integer.
        """
        require_preprocessor(self, "fill_mask")
        single = isinstance(texts, str)
        texts = check_texts(texts)
        tokenizer = self.preprocessor.tokenizer
        vocabulary_size = tokenizer.vocabulary_size()
        check_number(top_k, "top_k", f"[1, {vocabulary_size}]", integer=True)
        inputs, counts = self._fill_mask_inputs(texts)
        logits = self.predict_on_batch(inputs)  # (B, P, V)
        logits = np.asarray(keras.ops.convert_to_numpy(logits), "float64")
        probabilities = np.exp(logits - logits.max(-1, keepdims=True))
        probabilities /= probabilities.sum(-1, keepdims=True)
        results = []
        for row, count in enumerate(counts):
            masks = []
            for index in range(count):
                scores = probabilities[row, index]
                best = np.argsort(-scores, kind="stable")[:top_k]
                masks.append(
                    [(_token_text(tokenizer, i), float(scores[i])) for i in best]
                )
            results.append(masks)
        return results[0] if single else results

    def _fill_mask_inputs(self, texts):
        """Packs texts with `[MASK]` and finds the masks' positions.

        Returns:
            `(inputs, counts)`: the model's numpy inputs, and the number of
            masks of each text.
        """
        tokenizer = self.preprocessor.tokenizer
        length = self.preprocessor.sequence_length
        mask_id = tokenizer.mask_token_id
        space_id = tokenizer.token_to_id(SPACE_PIECE)
        rows, positions = [], []
        for index, ids in enumerate(tokenizer(texts)):
            ids = [int(i) for i in keras.ops.convert_to_numpy(ids)]
            # " [MASK]" is read as the space piece then [MASK]: drop the space,
            # which belongs to the hidden token.
            ids = [
                i
                for n, i in enumerate(ids)
                if not (i == space_id and n + 1 < len(ids) and ids[n + 1] == mask_id)
            ]
            row = [tokenizer.start_token_id] + ids + [tokenizer.end_token_id]
            found = [n for n, i in enumerate(row) if i == mask_id]
            if not found:
                raise ValueError(
                    f"`texts` holds a text without [MASK] at index {index}: "
                    f"{texts[index]!r:.80}. Expected at least one [MASK] per text."
                )
            kept = [n for n in found if n < length - 1]
            if len(kept) < len(found):
                raise ValueError(
                    f"The text at index {index} has {len(found)} [MASK] tokens "
                    f"but only {len(kept)} fit in the model's sequence_length="
                    f"{length} tokens ([CLS] and [SEP] included); the text is "
                    f"{len(row)} tokens long. Shorten it or put the masks earlier."
                )
            if len(row) > length:  # cut as the preprocessor cuts
                row = row[: length - 1] + [tokenizer.end_token_id]
            rows.append(row)
            positions.append(found)
        token_ids = np.full((len(rows), length), tokenizer.pad_token_id, "int32")
        mask_positions = np.zeros((len(rows), max(map(len, positions))), "int32")
        for row, (ids, found) in enumerate(zip(rows, positions)):
            token_ids[row, : len(ids)] = ids
            mask_positions[row, : len(found)] = found
        inputs = {
            "token_ids": token_ids,
            "padding_mask": (token_ids != tokenizer.pad_token_id).astype("int32"),
            "mask_positions": mask_positions,
        }
        if "segment_ids" in self.backbone.input:
            inputs["segment_ids"] = np.zeros_like(token_ids)
        return inputs, [len(found) for found in positions]


def bert_optimizer(learning_rate=1e-4, weight_decay=0.01):
    """BERT's AdamW: decoupled weight decay (none on biases and layer
    norms), gradients clipped at global norm 1.

    Args:
        learning_rate: a float or a `keras.optimizers.schedules` schedule.
        weight_decay: the decoupled weight decay.
    """
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay, global_clipnorm=1.0
    )
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return optimizer


def _token_text(tokenizer, token_id):
    """A piece's text, its word-start mark written as a space."""
    return tokenizer.id_to_token(int(token_id)).replace(SPACE_PIECE, " ")


def _check_preprocessor(backbone, preprocessor):
    if preprocessor is None:
        return
    if preprocessor.sequence_length > backbone.max_sequence_length:
        raise ValueError(
            "The preprocessor's `sequence_length` must not exceed the "
            "backbone's `max_sequence_length`. Received: sequence_length="
            f"{preprocessor.sequence_length}, max_sequence_length="
            f"{backbone.max_sequence_length}"
        )
    check_tokenizer_fits_backbone(preprocessor.tokenizer, backbone)

"""Preprocessor of the GPT: strings -> token ids, inputs and labels.

Shape legend: B batch, T `sequence_length`.
"""

import keras_hub

from applications.common.presets import PresetMixin
from applications.gpt.backbone import GPTBackbone
from applications.gpt.tokenizer import GPTTokenizer
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class GPTPreprocessor(PresetMixin, keras_hub.models.CausalLMPreprocessor):
    """keras-hub's `CausalLMPreprocessor` with a `GPTTokenizer`.

    For `fit()`, each text is packed as `tokens </s>` (`</s>` ends a
    document), padded or cut to `sequence_length + 1`, and split into inputs
    (all but the last token) and labels (all but the first), the padding
    weighted 0. For `generate()`, prompts are packed as their tokens,
    right-padded; an empty prompt is `</s>` alone, the start of a new
    document (as GPT-2 starts from `<|endoftext|>`). The output is
    detokenized without the special tokens. Runs in `tf.data` and eagerly.

    Args:
        tokenizer: a `GPTTokenizer`.
        sequence_length: T, the packed length.
        add_start_token: whether every sequence starts with `</s>` (off:
            the language-model recipe trains on windows of running text).
        add_end_token: whether a training text ends with `</s>`.
        **kwargs: forwarded to `keras_hub.models.CausalLMPreprocessor`.

    Call arguments:
        x: a string or a batch of strings.
        y, sample_weight: must be None (the labels are the next tokens).

    Returns:
        `(x, y, sample_weight)`: `x` a dict of `"token_ids"` and
        `"padding_mask"` (B, T), `y` (B, T) next tokens, `sample_weight`
        (B, T).

    Example:
    >>> tokenizer = GPTTokenizer.from_texts(["to be or not to be"])
    >>> preprocessor = GPTPreprocessor(tokenizer, sequence_length=8)
    >>> x, y, weight = preprocessor(["to be"])
    """

    backbone_cls = GPTBackbone
    tokenizer_cls = GPTTokenizer

    def __init__(
        self,
        tokenizer,
        sequence_length=256,
        add_start_token=False,
        add_end_token=True,
        **kwargs,
    ):
        super().__init__(
            tokenizer,
            sequence_length=sequence_length,
            add_start_token=add_start_token,
            add_end_token=add_end_token,
            **kwargs,
        )

    def tokenize_prompts(self, prompts):
        """Token ids of each prompt as `generate()` packs them.

        Args:
            prompts: a list of strings.

        Returns:
            list of lists of ints: the prompt's tokens, after `</s>` with
            `add_start_token`; `[</s>]` for an empty prompt.
        """
        start = [self.tokenizer.start_token_id]
        rows = [list(map(int, ids)) for ids in self.tokenizer.tokenize(prompts)]
        return [start + ids if self.add_start_token or not ids else ids for ids in rows]

    def generate_preprocess(self, x, sequence_length=None):
        """Packs prompts for `generate()`: right-padded ids and their mask.

        Args:
            x: a string or a list of strings.
            sequence_length: T (default: `self.sequence_length`); a prompt
                of T tokens or more raises (`GPT.generate` checks first).

        Returns:
            dict of `"token_ids"` (B, T) int32 and `"padding_mask"` (B, T) bool.

        Raises:
            ValueError: for a prompt that leaves no room to generate.
        """
        import numpy as np

        sequence_length = sequence_length or self.sequence_length
        prompts = [x] if isinstance(x, str) else _as_list(x)
        rows = self.tokenize_prompts(prompts)
        longest = max(map(len, rows))
        if longest >= sequence_length:
            raise ValueError(
                f"A prompt of {longest} tokens leaves no room to generate within "
                f"max_length={sequence_length} tokens. Expected prompts of at "
                f"most {sequence_length - 1} tokens (or a larger max_length)."
            )
        token_ids = np.full((len(rows), sequence_length), self.tokenizer.pad_token_id)
        padding_mask = np.zeros((len(rows), sequence_length), dtype=bool)
        for i, ids in enumerate(rows):
            token_ids[i, : len(ids)] = ids
            padding_mask[i, : len(ids)] = True
        return {"token_ids": token_ids.astype("int32"), "padding_mask": padding_mask}


def _as_list(x):
    """Python strings of a batch: a list, a numpy array or a tensor of bytes."""
    import numpy as np

    values = np.asarray(x).reshape(-1).tolist()
    return [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]

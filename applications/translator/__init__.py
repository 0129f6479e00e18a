"""Translator: Transformer (Vaswani et al. 2017) or GRU + additive attention
(Bahdanau et al. 2015) encoder-decoder, with cached greedy / beam decoding.

File roles (the same in every application, see docs/contributing.md):
`backbone.py`, `task.py`, `preprocessor.py`, `tokenizer.py`, `presets.py`,
`training.py` (the training recipe), `cli.py` (its commands). The two
architectures are `transformer_architecture.py` and
`rnn_attention_architecture.py`; `evaluation.py` scores translations (BLEU,
chrF). Import the classes from their modules or from `applications`; this
package imports nothing itself, so the command-line hook loads without
importing Keras.
"""

"""Translator: Transformer (Vaswani et al. 2017) or GRU + additive attention
(Bahdanau et al. 2015) encoder-decoder, with cached greedy / beam decoding.

File roles (the same in every application): `backbone.py`, `task.py`,
`preprocessor.py`, `tokenizer.py`, `presets.py`, `cli.py`. Import the classes
from their modules or from `applications`; this package imports nothing
itself, so the command-line hook loads without importing Keras.
"""

"""BERT: a Transformer encoder pretrained by masked-language modelling.

File roles (the same in every application, see docs/contributing.md):
`backbone.py`, `task.py`, `preprocessor.py`, `tokenizer.py`, `presets.py`,
the pretraining recipe `training.py` and the commands `cli.py` (`train
mlm`, `fill-mask`). `masked_lm_head.py` holds the head that scores the
masked positions, `whole_word_masking.py` the masking by whole words.
Import the classes from their modules or from `applications`; this package
imports nothing itself, so the command-line hook loads without importing
Keras.
"""

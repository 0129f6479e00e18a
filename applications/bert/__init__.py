"""BERT: a Transformer encoder pretrained by masked-language modelling.

File roles (the same in every application, see docs/contributing.md):
`backbone.py`, `task.py`, `preprocessor.py`, `tokenizer.py`, `presets.py`
(the training recipe `training.py` and the commands `cli.py` come next).
`masked_lm_head.py` holds the head that scores the masked positions.
Import the classes from their modules or from `applications`; this package
imports nothing itself, so the command-line hook loads without importing
Keras.
"""

"""GPT: a decoder-only Transformer language model that generates text.

File roles (the same in every application, see docs/contributing.md):
`backbone.py`, `task.py`, `preprocessor.py`, `tokenizer.py`, `presets.py`,
`training.py` (the training recipe), `cli.py` (its commands).
`generation.py` holds what generation adds to keras-hub's samplers: the
repetition penalty and streaming. Import the classes from their modules or
from `applications`; this package imports nothing itself, so the
command-line hook loads without importing Keras.
"""

"""Text classifier: Transformer encoder + pooling + softmax head.

File roles (the same in every application): `backbone.py`, `task.py`,
`preprocessor.py`, `tokenizer.py`, `presets.py`, `cli.py`. Import the classes
from their modules or from `applications`; this package imports nothing
itself, so the command-line hook loads without importing Keras.
"""

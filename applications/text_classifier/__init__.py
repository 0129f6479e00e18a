"""Text classifier: Transformer encoder + pooling + softmax head.

File roles (the same in every application, see docs/contributing.md):
`backbone.py`, `task.py`, `preprocessor.py`, `tokenizer.py`, `presets.py`,
`training.py` (the training recipe), `cli.py` (its commands). `teacher.py`
holds the naive-Bayes teacher that the recipe can distill from. Import the
classes from their modules or from `applications`; this package imports
nothing itself, so the command-line hook loads without importing Keras.
"""

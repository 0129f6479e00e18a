"""Vision Transformer (Dosovitskiy et al. 2021): patch embedding, class
token, learned positions, pre-LN Transformer encoder and a softmax head.

File roles (the same in every application, see docs/contributing.md):
`backbone.py`, `task.py`, `preprocessor.py`, `presets.py`, `training.py`
(the training recipe), `cli.py` (its commands). The two layers the backbone
needs beyond `keras_attention.layers` are `patch_embedding.py` and
`class_token.py`. Import the classes from their modules or from
`applications`; this package imports nothing itself, so the command-line
hook loads without importing Keras.
"""

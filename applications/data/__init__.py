"""Data loaders in the formats the applications train on, one file per family.

- `text_classification`: MR polarity files, labeled TSV, label encoding.
- `translation_pairs`: Tatoeba / Anki sentence-pair TSV.
- `images`: scikit-learn digits and `keras.datasets` image sets.
- `splits`: seeded train / validation / test splits.
"""

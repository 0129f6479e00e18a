"""Data loaders in the formats the applications train on, one file per family.

- `text_classification`: MR polarity files, labeled TSV, label encoding.
- `translation_pairs`: Tatoeba / Anki sentence-pair TSV.
- `images`: scikit-learn digits, `keras.datasets` image sets, image files.
- `augmentation`: seeded random shifts, flips and rotations of images.
- `splits`: seeded (stratified) train / validation / test splits, K folds.
- `text_lines`: reading text files line by line, with line numbers for errors.
- `shared`: the data sets in `../shared/data` beside the repository.
"""

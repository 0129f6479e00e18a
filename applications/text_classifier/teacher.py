"""A bag-of-n-grams teacher whose probabilities the classifier is distilled from.

Shape legend: N texts, V n-gram features, C classes.
"""

import numpy as np


def naive_bayes_teacher_probabilities(texts, label_ids, num_classes, folds=5, seed=0):
    """Out-of-fold class probabilities of an NB-weighted logistic regression.

    NBSVM with a logistic loss: binary word uni- and bigram features (the
    texts lowercased and split on whitespace) scaled by the naive Bayes
    log-count ratio of each class against the rest, one logistic regression
    per class, probabilities normalized over the classes. Each text's
    probabilities come from a teacher trained on the other folds, so they
    are as confident as on unseen text (not memorized labels).

    Reference: Wang & Manning, "Baselines and Bigrams: Simple, Good
    Sentiment and Topic Classification", 2012; Hinton et al., "Distilling
    the Knowledge in a Neural Network", 2015.

    Args:
        texts: list of N training strings.
        label_ids: N integer labels in [0, C).
        num_classes: C.
        folds: number of cross-fitting folds, at least 2 (fewer when a
            class has fewer texts).
        seed: seed of the fold assignment.

    Returns:
        (N, C) float32 probabilities, rows summing to 1.
    """
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    label_ids = np.asarray(label_ids)
    if len(texts) != len(label_ids):
        raise ValueError(
            "`texts` and `label_ids` must have the same length. Received: "
            f"{len(texts)} texts and {len(label_ids)} labels"
        )
    counts = np.bincount(label_ids, minlength=num_classes)  # (C,)
    folds = int(min(folds, counts.min()))
    if folds < 2:
        raise ValueError(
            "The teacher needs `folds` >= 2 and at least 2 texts of every "
            f"class. Received: folds={folds!r}, label counts "
            f"{counts.tolist()}"
        )
    probabilities = np.zeros((len(texts), num_classes))
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fit_rows, predict_rows in splits.split(texts, label_ids):
        vectorizer = CountVectorizer(
            ngram_range=(1, 2), binary=True, token_pattern=r"[^ ]+"
        )
        features = vectorizer.fit_transform([texts[i] for i in fit_rows])  # (N, V)
        unseen = vectorizer.transform([texts[i] for i in predict_rows])
        labels = label_ids[fit_rows]
        for c in range(num_classes):
            ratio = log_count_ratio(features, labels == c)  # (V,)
            regression = LogisticRegression(C=1.0, max_iter=2000)
            regression.fit(features.multiply(ratio).tocsr(), labels == c)
            scores = regression.predict_proba(unseen.multiply(ratio).tocsr())
            probabilities[predict_rows, c] = scores[:, 1]
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return probabilities.astype("float32")


def log_count_ratio(features, positive, alpha=1.0):
    """NB log-count ratio r = log((p / |p|_1) / (q / |q|_1)), with p and q the
    `alpha`-smoothed feature counts of the positive and the other rows."""
    p = alpha + np.asarray(features[positive].sum(axis=0)).ravel()
    q = alpha + np.asarray(features[~positive].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))

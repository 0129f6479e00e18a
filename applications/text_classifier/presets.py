"""The text classifier's built-in presets (see docs/text_classifier.md)."""

backbone_presets = {
    "classifier_tiny_mr": {
        "metadata": {
            "description": (
                "Movie-review sentence polarity (negative/positive): word-level "
                "Transformer encoder (1 layer, d_model 64, 2 heads, mean "
                "pooling) trained from scratch on MR (Pang & Lee 2005), "
                "distilled from a naive-Bayes logistic regression teacher."
            ),
            "params": 548_674,
            "result": "accuracy 74.6% (held-out); recipe 78.1% by 10-fold CV",
            "task": "TextClassifier",
            "path": "text_classifier",
        },
    },
}

# Classifiers fine-tuned from a BERT masked-LM preset: their backbone is a
# `BertBackbone` (loaded as `BertTextClassifier`).
fine_tuned_presets = {
    "classifier_bert_tiny_mr": {
        "metadata": {
            "description": (
                "Movie-review sentence polarity (negative/positive) fine-tuned "
                "from bert_tiny_en (BERT masked LM, 2 layers, width 128) on "
                "MR's training split (seed 1337), distilled from a naive-Bayes "
                "logistic regression teacher."
            ),
            "params": 1_427_458,
            "result": "accuracy 72.4% (held-out; from scratch 74.6%)",
            "task": "BertTextClassifier",
            "path": "text_classifier",
        },
    },
}

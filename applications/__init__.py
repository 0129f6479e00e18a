"""Ready-made applications built from `keras_attention` layers.

>>> from applications import TextClassifier
>>> classifier = TextClassifier.from_preset("classifier_tiny_mr")
>>> classifier.classify(["a gorgeous, witty film"])

The classes load on first access (PEP 562), so `import applications` (and
the `keras-attention` command line) can choose `KERAS_BACKEND` before Keras
is imported.
"""

import importlib

# Public name -> module defining it.
_EXPORTS = {
    "BertBackbone": "applications.bert.backbone",
    "BertMaskedLM": "applications.bert.task",
    "BertMaskedLMPreprocessor": "applications.bert.preprocessor",
    "BertTextClassifier": "applications.text_classifier.task",
    "BertTextClassifierPreprocessor": "applications.text_classifier.preprocessor",
    "BertTokenizer": "applications.bert.tokenizer",
    "GPT": "applications.gpt.task",
    "GPTBackbone": "applications.gpt.backbone",
    "GPTPreprocessor": "applications.gpt.preprocessor",
    "GPTTokenizer": "applications.gpt.tokenizer",
    "TextClassifier": "applications.text_classifier.task",
    "TextClassifierBackbone": "applications.text_classifier.backbone",
    "TextClassifierPreprocessor": "applications.text_classifier.preprocessor",
    "TextClassifierSentencePieceTokenizer": "applications.text_classifier.tokenizer",
    "TextClassifierTokenizer": "applications.text_classifier.tokenizer",
    "Translator": "applications.translator.task",
    "TranslatorSentencePieceTokenizer": "applications.translator.tokenizer",
    "TranslatorTokenizer": "applications.translator.tokenizer",
    "VisionTransformer": "applications.vision_transformer.task",
    "VisionTransformerBackbone": "applications.vision_transformer.backbone",
    "VisionTransformerImageConverter": "applications.vision_transformer.preprocessor",
    "VisionTransformerPreprocessor": "applications.vision_transformer.preprocessor",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'applications' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)

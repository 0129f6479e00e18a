"""BERT's built-in presets (see docs/bert.md)."""

backbone_presets = {
    "bert_tiny_en": {
        "metadata": {
            "description": (
                "English masked LM (2 post-LN layers, width 128, 2 heads, "
                "d_ff 512, 48 positions; SentencePiece BPE 8,000, cased) "
                "pretrained on tiny Shakespeare, the English side of Tatoeba "
                "eng-cmn and MR's sentences outside the classifier's "
                "held-out split (seed 1337)."
            ),
            "params": 1_451_968,
            "result": "masked-token accuracy 37.7% (validation)",
            "task": "BertMaskedLM",
            "path": "bert",
        },
    },
    "bert_tiny_tang_poems": {
        "metadata": {
            "description": (
                "Chinese masked LM of the Complete Tang Poems (2 post-LN "
                "layers, width 128, 2 heads, d_ff 512, 24 positions; one "
                "token per character, 6,000 with byte fallback, traditional "
                "characters as the data writes them) pretrained on the "
                "titles and sentences of 57,603 poems."
            ),
            "params": 1_190_896,
            "result": "masked-token accuracy 35.9% (validation)",
            "task": "BertMaskedLM",
            "path": "bert",
        },
    },
    "bert_base_uncased": {
        "metadata": {
            "description": (
                "BERT-base (Devlin et al. 2019): 12 post-LN layers, 12 heads, "
                "width 768, intermediate 3072, 512 positions, 2 segment types, "
                "vocabulary 30,522, pooler; architecture only, random weights."
            ),
            "params": 109_482_240,
            "task": "BertMaskedLM",
            "path": "bert",
        },
    },
}

"""BERT's built-in presets (see docs/bert.md)."""

backbone_presets = {
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

"""The GPT's built-in presets (see docs/gpt.md)."""

backbone_presets = {
    "gpt2_small": {
        "metadata": {
            "description": (
                "GPT-2 small (Radford et al. 2019): 12 layers, 12 heads, width "
                "768, context 1024, vocabulary 50,257, tied embeddings; "
                "architecture only, random weights."
            ),
            "params": 124_439_808,
            "task": "GPT",
            "path": "gpt",
        },
    },
}

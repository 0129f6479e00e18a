"""The GPT's built-in presets (see docs/gpt.md)."""

backbone_presets = {
    "gpt_tiny_shakespeare": {
        "metadata": {
            "description": (
                "Character-level GPT (4 pre-LN layers, width 192, 4 heads, "
                "context 128) trained on tiny Shakespeare (nanoGPT's split: the "
                "first 90% of the characters)."
            ),
            "params": 1_866_624,
            "result": "validation loss 1.5491 (perplexity 4.71), nats per character",
            "task": "GPT",
            "path": "gpt",
        },
    },
    "gpt_tiny_tang_poems": {
        "metadata": {
            "description": (
                "Character-level GPT (4 pre-LN layers, width 192, 4 heads, "
                "context 96) trained on the Complete Tang Poems (traditional "
                "characters): prompt with a title and a newline, get 5- or "
                "7-character lines."
            ),
            "params": 2_950_272,
            "result": "validation loss 4.9317 (perplexity 138.6), nats per character",
            "task": "GPT",
            "path": "gpt",
        },
    },
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

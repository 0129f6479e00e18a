"""Built-in translator presets; each records how it was trained (docs/translator.md)."""

backbone_presets = {
    "translator_tiny_en_zh": {
        "metadata": {
            "description": (
                "English to Chinese Transformer (2+2 pre-LN layers, d_model "
                "128; SentencePiece BPE source, character target), trained "
                "on Tatoeba eng-cmn (29k pairs)."
            ),
            "params": 1_944_832,
            "result": (
                "BLEU 29.76, chrF 25.76 (held-out, tok zh, greedy); BLEU "
                "31.34, chrF 27.02 (4 beams)"
            ),
            "task": "Translator",
            "path": "translator",
        },
    },
    "translator_rnn_tiny_en_zh": {
        "metadata": {
            "description": (
                "English to Chinese GRU encoder-decoder with additive "
                "(Bahdanau) attention, trained on Tatoeba eng-cmn (29k pairs)."
            ),
            "params": 923_776,
            "result": "BLEU 27.14, chrF 24.7 (held-out, tok zh)",
            "task": "Translator",
            "path": "translator",
        },
    },
    "transformer_base": {
        "metadata": {
            "description": (
                "Transformer base (Vaswani et al. 2017): N=6, d_model 512, "
                "d_ff 2048, 8 heads, shared 37k vocabulary; architecture "
                "only, random weights."
            ),
            "params": 63_082_496,
            "task": "Translator",
            "path": "translator",
        },
    },
}

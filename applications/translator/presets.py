"""Built-in translator presets; each records how it was trained (docs/translator.md)."""

backbone_presets = {
    "translator_tiny_en_zh": {
        "metadata": {
            "description": (
                "English to Chinese Transformer (2+2 pre-LN layers, d_model "
                "128, sinusoidal positions; SentencePiece BPE source, "
                "character target), trained on Tatoeba eng-cmn (29k pairs)."
            ),
            "params": 1_936_640,
            "result": (
                "BLEU 35.4, chrF 30.5 (held-out, tok zh, greedy); BLEU "
                "36.65, chrF 31.71 (4 beams, length penalty 1)"
            ),
            "task": "Translator",
            "path": "translator",
        },
    },
    "translator_rnn_tiny_en_zh": {
        "metadata": {
            "description": (
                "English to Chinese GRU encoder-decoder with additive "
                "(Bahdanau) attention (bi-GRU 128 + GRU 128; SentencePiece BPE "
                "source, character target), trained on Tatoeba eng-cmn (29k "
                "pairs)."
            ),
            "params": 1_439_104,
            "result": (
                "BLEU 34.86, chrF 29.95 (held-out, tok zh, greedy); BLEU "
                "36.98, chrF 31.62 (4 beams, length penalty 1)"
            ),
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

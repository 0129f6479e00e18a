"""Corpus BLEU and chrF of translations (sacrebleu), and of a translator."""


def translation_scores(hypotheses, references, tokenize="zh"):
    """Scores translations against one reference each.

    Uses sacrebleu's corpus BLEU (Papineni et al. 2002) with the given
    tokenization (`"zh"` splits Chinese characters, as WMT does for Chinese)
    and chrF (Popovic 2015, character n-grams, tokenization-free).

    Args:
        hypotheses: list of system translations.
        references: list of reference translations, parallel to `hypotheses`.
        tokenize: sacrebleu's BLEU tokenizer, e.g. `"zh"` or `"13a"`.

    Returns:
        dict: `bleu` and `chrf` (0-100, rounded to 2 decimals),
        `bleu_signature`, `chrf_signature` and `num_sentences`.

    Example:
    >>> translation_scores(["我喜欢茶。"], ["我喜欢茶。"])["bleu"]
    100.0
    """
    import sacrebleu

    if len(hypotheses) != len(references) or not references:
        raise ValueError(
            "Expected as many hypotheses as references (at least one). "
            f"Received {len(hypotheses)} hypotheses, {len(references)} references."
        )
    bleu = sacrebleu.metrics.BLEU(tokenize=tokenize)
    chrf = sacrebleu.metrics.CHRF()
    bleu_score = bleu.corpus_score(list(hypotheses), [list(references)])
    chrf_score = chrf.corpus_score(list(hypotheses), [list(references)])
    return {
        "bleu": round(bleu_score.score, 2),
        "chrf": round(chrf_score.score, 2),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
        "num_sentences": len(references),
    }


def score_translator(translator, sources, references, num_beams=1, batch_size=128):
    """Translates each distinct source once and scores every pair.

    Args:
        translator: a `Translator` with a preprocessor.
        sources: source sentences (repeats allowed: Tatoeba has several
            accepted translations of one sentence).
        references: one reference translation per source.
        num_beams: 1 for greedy decoding, more for beam search.
        batch_size: sentences decoded together.

    Returns:
        `translation_scores()`'s dict.
    """
    distinct = list(dict.fromkeys(sources))
    translations = translator.translate(
        distinct, num_beams=num_beams, batch_size=batch_size
    )
    translated = dict(zip(distinct, translations))
    return translation_scores([translated[s] for s in sources], references)

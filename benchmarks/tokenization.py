"""Tokenizers: speed and losslessness of three tokenizers on the same text.

For each corpus side of `../shared/data` (eng-cmn English, eng-cmn Chinese,
MR sentences, tiny Shakespeare lines, Tang poem texts), the distinct
non-empty lines are shuffled with a seed and split into 4,000 training and
1,000 held-out lines (disjoint). Three tokenizers learn a vocabulary of the
same size from the training lines (2,000; 4,000 for eng-cmn Chinese and
8,000 for Tang poems, whose characters kept by `character_coverage=0.9995`
need more) and tokenize the held-out lines:

- `sentencepiece_bpe`: SentencePiece BPE with byte fallback and no
  normalisation (`applications.common.sentence_piece.train_sentence_piece`;
  coverage 0.9995 for Chinese, 1.0 otherwise) through keras-hub's
  `SentencePieceTokenizer`, as the GPT uses it;
- `hf_byte_level_bpe`: Hugging Face `tokenizers`' `ByteLevelBPETokenizer`
  (GPT-2's byte-level BPE, no prefix space, `min_frequency=2`) trained on
  the same lines with the same vocabulary size;
- `wordpiece`: keras-hub's `WordPieceTokenizer` with the vocabulary the
  applications learn today (`learn_wordpiece_vocabulary`), in the class and
  case setting each application uses: the translator's source
  (`TranslatorTokenizer`, lowercase) for eng-cmn English, its target (cased)
  for eng-cmn Chinese, the classifier's (`TextClassifierTokenizer`,
  lowercase) for MR, and the translator's cased target for the two corpora
  no WordPiece application reads (Shakespeare, Tang poems).

Reported per corpus and tokenizer: lines/s and tokens/s of one batch call on
the 1,000 held-out lines (Python strings in, Python lists of ids out, as an
eager call of each library returns them: keras-hub converts its ragged
tensor to lists on every backend), the median of 5 rounds timed in turns
after a warm-up round; tokens per line; the share of held-out lines that
`detokenize(tokenize(line))` gives back exactly, and exactly up to case; the
share of tokens that are the unknown token; the ratios to WordPiece.

keras-hub's tokenizers are TensorFlow ops (tf.text / SentencePiece kernels)
on every Keras backend, and `tokenizers` is Rust, so one backend's record is
enough: `run_all.py` runs this benchmark on TensorFlow only. `tokenizers`
parallelises a batch over the cores it may use; pinned to one core
(`taskset -c 0`) it uses one.

`--quick` needs no data: a few built-in sentences in English, French and
Chinese (held-out ones with characters never seen in training).

The file is not named `tokenizers.py`: run as a script, its folder comes
first on `sys.path`, and keras-hub's `import tokenizers` (Hugging Face's)
would import it instead, in every benchmark of the folder.

Run: KERAS_BACKEND=tensorflow taskset -c 0 python benchmarks/tokenization.py
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from benchmarks import common  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED_DATA = REPOSITORY.parent / "shared" / "data"
FULL = dict(train_lines=4000, held_out_lines=1000, repeats=5)
QUICK = dict(train_lines=None, held_out_lines=None, repeats=1)
VOCABULARY_SIZES = {
    "eng-cmn English": 2000,
    "eng-cmn Chinese": 4000,
    "MR": 2000,
    "tiny Shakespeare": 2000,
    "Tang poems": 8000,
}
CHINESE = ("eng-cmn Chinese", "Tang poems", "built-in Chinese")
# Which WordPiece the applications use on each corpus: (class, lowercase, use).
WORDPIECE_SETTINGS = {
    "eng-cmn English": ("translator", True, "translator source"),
    "eng-cmn Chinese": ("translator", False, "translator target"),
    "MR": ("classifier", True, "text classifier"),
}
WORDPIECE_DEFAULT = ("translator", False, "cased, as a translator target")
TOKENIZERS = ("sentencepiece_bpe", "hf_byte_level_bpe", "wordpiece")

QUICK_CORPORA = {
    "built-in English": (
        [
            "The cat sat on the mat.",
            "I don't think that's right, is it?",
            "She reads a book every evening.",
            "We're going to the station together.",
            "The weather is nice today; let's walk.",
            'He said: "Tea, please."',
        ],
        ["You're reading the cat's book.", "It's a naïve café, isn't it?"],
    ),
    "built-in French": (
        [
            "C'est la vie, n'est-ce pas ?",
            "Le chat est sur le tapis.",
            "J'aime le thé et le café.",
            "Où est la gare, s'il vous plaît ?",
            "Nous allons à la plage demain.",
            "Elle lit un livre chaque soir.",
        ],
        ["C'est l'été à la gare !", "Qu'est-ce que c'est ?"],
    ),
    "built-in Chinese": (
        [
            "我喜欢喝茶。",
            "猫坐在垫子上。",
            "今天天气很好，我们去散步吧。",
            "火车站在哪里？",
            "她每天晚上都看书。",
            "我们明天去海边。",
        ],
        ["我喜欢看书和喝咖啡。", "鬱金香很美。"],
    ),
}
QUICK_VOCABULARY_SIZE = 320


def corpus_lines(shared, name):
    """Every distinct non-empty line of one corpus side, in file order."""
    from applications.data.text_classification import load_movie_review_polarity
    from applications.data.text_lines import read_lines

    if name.startswith("eng-cmn"):
        path = shared / "translation" / "eng-cmn.tsv"
        column = 0 if name == "eng-cmn English" else 1
        lines = [line.split("\t")[column] for _, line in read_lines(path)]
    elif name == "MR":
        lines, _ = load_movie_review_polarity(shared / "classification")
    elif name == "tiny Shakespeare":
        path = shared / "language_modeling" / "tinyshakespeare.txt"
        lines = [line for _, line in read_lines(path)]
    else:  # title<TAB>author<TAB>text, after a header row
        path = shared / "language_modeling" / "tang_poems.tsv"
        lines = [line.split("\t")[2] for _, line in read_lines(path)][1:]
    return [line for line in dict.fromkeys(lines) if line.strip()]


def split(lines, train_lines, held_out_lines, seed=0):
    """Disjoint (training, held-out) lines from a seeded shuffle."""
    order = np.random.default_rng(seed).permutation(len(lines))
    training = [lines[i] for i in order[:train_lines]]
    held_out = [lines[i] for i in order[train_lines : train_lines + held_out_lines]]
    return training, held_out


def corpora(size):
    """name -> (training lines, held-out lines, vocabulary size)."""
    if size["train_lines"] is None:
        return {
            name: (training, held_out, QUICK_VOCABULARY_SIZE)
            for name, (training, held_out) in QUICK_CORPORA.items()
        }
    return {
        name: (
            *split(
                corpus_lines(SHARED_DATA, name),
                size["train_lines"],
                size["held_out_lines"],
            ),
            vocabulary_size,
        )
        for name, vocabulary_size in VOCABULARY_SIZES.items()
    }


def id_lists(ids):
    """Token ids as lists of ints (keras-hub gives lists or tensors)."""
    if hasattr(ids, "to_list"):
        ids = ids.to_list()
    return [[int(i) for i in np.asarray(row).tolist()] for row in ids]


def strings(texts):
    """Detokenized texts as Python strings (keras-hub gives tensors)."""
    if hasattr(texts, "numpy"):
        texts = texts.numpy().tolist()
    texts = np.asarray(texts, dtype=object).tolist()
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in texts]


class KerasHubTokenizer:
    """A keras-hub tokenizer behind the benchmark's interface."""

    def __init__(self, tokenizer, unknown_token, description):
        self.tokenizer = tokenizer
        self.unknown_id = tokenizer.token_to_id(unknown_token)
        self.description = description

    def vocabulary_size(self):
        return int(self.tokenizer.vocabulary_size())

    def tokenize(self, lines):
        return self.tokenizer.tokenize(lines)

    def ids(self, lines):
        return id_lists(self.tokenize(lines))

    def detokenize(self, ids):
        return strings(self.tokenizer.detokenize(ids))


class HuggingFaceTokenizer:
    """A Hugging Face `tokenizers` tokenizer behind the same interface."""

    def __init__(self, tokenizer, description):
        self.tokenizer = tokenizer
        self.unknown_id = None  # byte-level: no unknown token exists
        self.description = description

    def vocabulary_size(self):
        return int(self.tokenizer.get_vocab_size())

    def tokenize(self, lines):
        return [encoding.ids for encoding in self.tokenizer.encode_batch(lines)]

    def ids(self, lines):
        return self.tokenize(lines)

    def detokenize(self, ids):
        return self.tokenizer.decode_batch(ids)


def build_tokenizers(name, training, vocabulary_size):
    """The three tokenizers, learned from `training`: dict name -> wrapper."""
    import keras_hub
    import tokenizers

    from applications.common.sentence_piece import train_sentence_piece
    from applications.text_classifier.tokenizer import TextClassifierTokenizer
    from applications.translator.tokenizer import TranslatorTokenizer

    coverage = 0.9995 if name in CHINESE else 1.0
    proto = train_sentence_piece(training, vocabulary_size, "bpe", coverage)
    sentence_piece = KerasHubTokenizer(
        keras_hub.tokenizers.SentencePieceTokenizer(proto=proto),
        "<unk>",
        f"keras-hub SentencePieceTokenizer, BPE, byte fallback, coverage {coverage}",
    )
    byte_level = tokenizers.ByteLevelBPETokenizer(add_prefix_space=False)
    byte_level.train_from_iterator(
        training, vocab_size=vocabulary_size, min_frequency=2, show_progress=False
    )
    hugging_face = HuggingFaceTokenizer(
        byte_level, f"tokenizers {tokenizers.__version__} ByteLevelBPETokenizer"
    )
    kind, lowercase, use = WORDPIECE_SETTINGS.get(name, WORDPIECE_DEFAULT)
    cls = TranslatorTokenizer if kind == "translator" else TextClassifierTokenizer
    wordpiece = KerasHubTokenizer(
        cls.from_texts(training, vocabulary_size, lowercase=lowercase),
        "[UNK]",
        f"keras-hub WordPieceTokenizer ({cls.__name__}, lowercase={lowercase}: {use})",
    )
    return {
        "sentencepiece_bpe": sentence_piece,
        "hf_byte_level_bpe": hugging_face,
        "wordpiece": wordpiece,
    }


def losslessness(tokenizer, lines):
    """Round-trip shares, unknown-token rate and token counts on `lines`."""
    ids = tokenizer.ids(lines)
    back = tokenizer.detokenize(ids)
    tokens = sum(len(row) for row in ids)
    unknown = 0
    if tokenizer.unknown_id is not None:
        unknown = sum(row.count(tokenizer.unknown_id) for row in ids)
    return {
        "exact_round_trip": float(np.mean([a == b for a, b in zip(back, lines)])),
        "round_trip_up_to_case": float(
            np.mean([a.casefold() == b.casefold() for a, b in zip(back, lines)])
        ),
        "unknown_rate": unknown / tokens,
        "tokens": tokens,
        "tokens_per_line": tokens / len(lines),
        "lost_example": next(
            ([a, b] for a, b in zip(lines, back) if a != b), None
        ),  # [original, detokenized], the first line that does not come back
    }


def run_corpus(name, training, held_out, vocabulary_size, repeats):
    """Every measurement of the three tokenizers on one corpus."""
    built = build_tokenizers(name, training, vocabulary_size)
    seconds = common.interleaved_median_seconds(
        {key: (lambda t=t: t.ids(held_out)) for key, t in built.items()},
        repeats=repeats,
        warmup=1,
    )
    unseen = set("".join(held_out)) - set("".join(training))
    results = {}
    for key, tokenizer in built.items():
        measured = losslessness(tokenizer, held_out)
        results[key] = {
            "description": tokenizer.description,
            "vocabulary_size": tokenizer.vocabulary_size(),
            "seconds": seconds[key],
            "lines_per_s": len(held_out) / seconds[key],
            "tokens_per_s": measured["tokens"] / seconds[key],
            **measured,
        }
    wordpiece = results["wordpiece"]
    for result in results.values():
        result["lines_per_s_over_wordpiece"] = (
            result["lines_per_s"] / wordpiece["lines_per_s"]
        )
        result["tokens_per_line_over_wordpiece"] = (
            result["tokens_per_line"] / wordpiece["tokens_per_line"]
        )
    return {
        "vocabulary_size_asked": vocabulary_size,
        "train_lines": len(training),
        "held_out_lines": len(held_out),
        "held_out_characters_unseen_in_training": len(unseen),
        "held_out_lines_with_unseen_characters": sum(
            bool(unseen & set(line)) for line in held_out
        ),
        "tokenizers": results,
    }


def run(size):
    import tokenizers

    return {
        "size": size,
        "tokenizers_version": tokenizers.__version__,
        "corpora": {
            name: run_corpus(name, training, held_out, vocabulary_size, size["repeats"])
            for name, (training, held_out, vocabulary_size) in corpora(size).items()
        },
    }


def main():
    arguments = common.argument_parser(__doc__.splitlines()[0]).parse_args()
    if not arguments.quick and not SHARED_DATA.is_dir():
        sys.exit(f"{SHARED_DATA} is not present; run with --quick (built-in text)")
    common.emit("tokenization", run(QUICK if arguments.quick else FULL), arguments)


if __name__ == "__main__":
    main()

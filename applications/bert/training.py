"""Training recipe of BERT's masked language model: a typed config and
`train(config)`.

    from applications.bert.training import BertMaskedLMTrainingConfig, train

    masked_lm, record = train(BertMaskedLMTrainingConfig(
        data=["reviews.txt", "sentences.tsv"], epochs=10, output="my_bert"))

`keras-attention train mlm` maps its options onto the config. The training
examples are the non-blank lines of the texts (a `.txt` file, or the text
columns of a TSV; several files are read as one corpus), split at random
into training, validation and test lines. A SentencePiece vocabulary is
learned from the training lines; every training batch is masked anew
(BERT's 15%, 80/10/10, optionally by whole words), while the validation
and test lines are masked once, with the run's seed, so that their loss and
masked-token accuracy compare from epoch to epoch. AdamW (BERT's, weight
decay 0.01) with a linear warmup and cosine decay; the best validation
loss's weights are kept.
"""

import math

import numpy as np

from applications.common import training
from applications.common.config import (
    TransformerTrainingConfig,
    data_dir_option,
    given_split_option,
    option,
    parse_text_columns,
    text_columns_option,
    text_dataset_option,
    training_config,
)
from applications.common.sentence_piece import MODEL_TYPES


@training_config(
    num_layers=4,
    num_heads=4,
    hidden_dim=256,
    intermediate_dim=option(
        1024, "feed-forward width d_ff (4 x width in BERT)", "model", "[1, inf)"
    ),
    learning_rate=5e-4,
    test_fraction=0.0,
)
class BertMaskedLMTrainingConfig(TransformerTrainingConfig):
    """How to pretrain a `BertMaskedLM` (see `option` helps).

    Give `data` (one or more `.txt` / `.tsv` files) or `dataset`. Each
    non-blank line is a training example, packed as `[CLS] line [SEP]`
    (cut at `sequence_length`).
    """

    data: list[str] | None = option(
        None,
        "training text: UTF-8 .txt files and/or TSVs (see --text-columns), "
        "one example a non-blank line; several files are one corpus",
        "data",
        exclusive="source",
        required=True,
        metavar="FILE",
    )
    validation_data: str | None = given_split_option("validation")
    test_data: str | None = given_split_option("test")
    dataset: str | None = text_dataset_option()
    classifier_dataset: str | None = option(
        None,
        "also pretrain on the texts of `train classifier --dataset NAME` "
        "outside its held-out test split at this run's --seed (fine-tune with "
        "the same --seed: its test texts are never read)",
        "data",
        choices=("mr",),
    )
    text_columns: str | None = text_columns_option()
    data_dir: str | None = data_dir_option()
    tokenizer: str = option(
        "bpe",
        "SentencePiece vocabulary with byte fallback: learned subwords (bpe, "
        "unigram) or one token per character",
        "model",
        choices=MODEL_TYPES,
    )
    vocabulary_size: int = option(
        8000,
        "the most tokens, 262 reserved ones (specials, newline, [MASK], 256 "
        "bytes) included",
        "model",
        "[263, inf)",
    )
    character_coverage: float = option(
        0.9995,
        "share of the characters given a token of their own (the rarest others "
        "are spelled in bytes)",
        "model",
        "(0, 1]",
    )
    sequence_length: int = option(
        128, "tokens per example, [CLS] and [SEP] included", "model", "[3, inf)"
    )
    mask_rate: float = option(
        0.15,
        "share of the tokens chosen for prediction (BERT's 0.15); each becomes "
        "[MASK], a random token or stays itself, 80/10/10",
        "training",
        "(0, 1]",
    )
    whole_word_masking: bool = option(
        False,
        "choose whole words (all their pieces) instead of single tokens",
        "training",
    )
    warmup_steps: int = option(
        100, "steps of linear learning-rate warmup", "training", "[0, inf)"
    )
    final_learning_rate: float = option(
        0.1,
        "the learning rate at the end of the cosine decay, as a share of the peak",
        "training",
        "[0, 1]",
    )
    weight_decay: float = option(
        0.01, "AdamW's decoupled weight decay", "training", "[0, inf)"
    )

    def __post_init__(self):
        if isinstance(self.data, str):  # one file, from Python
            self.data = [self.data]
        super().__post_init__()
        if (self.data is None) == (self.dataset is None):
            raise ValueError(
                "Give one of `data` (--data, text files) and `dataset` "
                f"(--dataset). Received: data={self.data!r}, "
                f"dataset={self.dataset!r}"
            )
        self.columns()

    def split_sources(self):
        """The files' (or dataset's) split sources, and the labeled texts of
        `classifier_dataset` in every random split."""
        sources = super().split_sources()
        if self.classifier_dataset is None:
            return sources
        labeled = f"{self.classifier_dataset}'s non-test texts (seed {self.seed})"
        return {
            split: f"{source} and {labeled}"
            if source and not self.given_split_file(split)
            else source
            for split, source in sources.items()
        }

    def columns(self):
        """`text_columns` as a list of ints, or None."""
        return parse_text_columns(self.text_columns)

    def mask_selection_length(self):
        """The most tokens masked in one example: `mask_rate` of the
        `sequence_length - 2` tokens between `[CLS]` and `[SEP]`, rounded up."""
        return max(1, math.ceil(self.mask_rate * (self.sequence_length - 2)))


def train(config, command=None):
    """`masked_lm, record = train(config)`: a `BertMaskedLM` pretrained as
    `config` says, and its record, both written to `config.output` when set
    (`command`, the command line, is kept in the record)."""
    from applications.bert.backbone import BertBackbone
    from applications.data.splits import split_arrays

    run = training.TrainingRun(config, command, backbone_cls=BertBackbone)
    texts, description = load_texts(config)
    (train_texts,), (validation_texts,), (test_texts,) = split_arrays(
        texts, **config.split_options()
    )
    train_texts, validation_texts, test_texts = training.with_given_splits(
        config,
        (train_texts, validation_texts, test_texts),
        lambda path: file_lines(path, config.columns()),
    )
    splits = [(split, np.zeros(len(split), "int32")) for split in
              (train_texts, validation_texts, test_texts)]  # fmt: skip
    masked_lm = build_masked_lm(config, train_texts)
    steps_per_epoch = math.ceil(len(train_texts) / config.batch_size)
    if config.steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, config.steps_per_epoch)
    total_steps = config.epochs * steps_per_epoch
    masked_lm.compile(optimizer=_optimizer(config, total_steps))
    sizes = training.split_sizes(*splits)
    run.describe(
        description,
        sizes,
        "lines",
        f"{total_steps:,} steps of {config.batch_size} x {config.sequence_length} "
        f"tokens, {config.mask_rate:.0%} of the tokens masked"
        + (" (whole words)" if config.whole_word_masking else ""),
    )
    validation_data = None
    if validation_texts:
        validation_data = masked_once(masked_lm, run.batches(splits[1]))
    result = run.fit(
        masked_lm,
        run.batches(splits[0], shuffle=True),
        validation_data,
        "val_loss" if validation_data is not None else None,
    )
    history = result["history"]
    metrics = {}
    if validation_data is not None:
        best = result["best_epoch"] - 1
        loss, accuracy = history["val_loss"][best], history["val_masked_accuracy"][best]
        metrics.update(
            validation_loss=round(float(loss), 4),
            validation_masked_accuracy=round(float(accuracy), 4),
            result=_result_line("validation", loss, accuracy),
        )
    if test_texts:
        scores = masked_lm.evaluate(
            masked_once(masked_lm, run.batches(splits[2])), verbose=0, return_dict=True
        )
        loss, accuracy = scores["loss"], scores["masked_accuracy"]
        metrics.update(
            test_loss=round(float(loss), 4),
            test_masked_accuracy=round(float(accuracy), 4),
            result=_result_line("test", loss, accuracy),
        )
    return run.finish(
        masked_lm,
        splits,
        f"BERT masked language model ({config.tokenizer} tokens"
        + (", whole-word masking" if config.whole_word_masking else "")
        + f") pretrained on {description}",
        description,
        **metrics,
    )


def _result_line(split, loss, accuracy):
    return f"{split} loss {loss:.4f}, masked-token accuracy {accuracy:.1%}"


def masked_once(masked_lm, batches):
    """`batches` of texts masked by `masked_lm`'s preprocessor once and
    cached: every pass (epoch) sees the same masks, drawn with the global
    seed (the run's), so that the loss and accuracy compare."""
    return batches.map(masked_lm.preprocessor).cache()


def file_lines(path, text_columns=None):
    """The non-blank lines (stripped) of a `.txt` file or of a TSV's text
    columns (see `language_modeling.load_documents`)."""
    from applications.data.language_modeling import load_documents

    return lines_of(load_documents(path, text_columns))


def lines_of(documents):
    """The non-blank lines of documents, stripped: the training examples."""
    return [
        line.strip()
        for document in documents
        for line in document.split("\n")
        if line.strip()
    ]


def load_texts(config):
    """The training lines `config` names and a description of them: its
    files or dataset, and with `classifier_dataset` also that labeled set's
    texts outside the classifier's held-out test split."""
    from applications.data import language_modeling as data

    if config.dataset is not None:
        documents, source = data.load_dataset(config.dataset, config.data_dir)
        texts = lines_of(documents)
        description = f"{config.dataset} ({len(texts):,} lines, {source})"
    else:
        texts = []
        for path in config.data:
            texts += file_lines(path, config.columns())
        description = f"{', '.join(map(str, config.data))} ({len(texts):,} lines)"
    if config.classifier_dataset is not None:
        from applications.text_classifier.training import non_test_texts

        labeled, labeled_description = non_test_texts(
            config.classifier_dataset, config.seed
        )
        texts += labeled
        description += f" and {labeled_description}"
    return texts, description


def build_masked_lm(config, texts):
    """An untrained `BertMaskedLM` as `config` says, its vocabulary learned
    from `texts`.

    The backbone has BERT's two segment types but no pooler: pretraining
    by masked tokens alone (no next-sentence prediction, as RoBERTa) would
    leave it untrained; a classifier fine-tuned from the encoder adds its
    own head.
    """
    from applications.bert.backbone import BertBackbone
    from applications.bert.preprocessor import BertMaskedLMPreprocessor
    from applications.bert.task import BertMaskedLM
    from applications.bert.tokenizer import BertTokenizer

    tokenizer = BertTokenizer.from_texts(
        texts,
        vocabulary_size=config.vocabulary_size,
        model_type=config.tokenizer,
        character_coverage=config.character_coverage,
    )
    backbone = BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        max_sequence_length=config.sequence_length,
        use_pooler=False,
        dropout=config.dropout,
    )
    preprocessor = BertMaskedLMPreprocessor(
        tokenizer,
        sequence_length=config.sequence_length,
        mask_selection_rate=config.mask_rate,
        mask_selection_length=config.mask_selection_length(),
        whole_word_masking=config.whole_word_masking,
    )
    return BertMaskedLM(backbone, preprocessor)


def _optimizer(config, total_steps):
    from applications.bert.task import bert_optimizer

    schedule = training.warmup_cosine_schedule(
        config.learning_rate,
        total_steps,
        config.warmup_steps,
        alpha=config.final_learning_rate,
    )
    return bert_optimizer(schedule, config.weight_decay)

"""Training recipe of the GPT: a typed config and `train(config)`.

    from applications.gpt.training import GPTTrainingConfig, train

    gpt, record = train(GPTTrainingConfig(
        dataset="tiny_shakespeare", epochs=8, steps_per_epoch=250,
        output="my_gpt"))

`keras-attention train lm` maps its options onto the config. Training
follows nanoGPT (Karpathy): batches of random windows of the training
token stream, AdamW with a linear warmup and cosine decay, and the
validation loss measured every `steps_per_epoch` steps; the best
evaluation's weights are kept.
"""

import math

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

#: Tokens of generated text kept in the record, from an empty prompt.
SAMPLE_LENGTH = 200


@training_config(
    num_layers=4,
    num_heads=4,
    hidden_dim=128,
    intermediate_dim=option(
        512, "feed-forward width d_ff (4 x width in GPT-2)", "model", "[1, inf)"
    ),
    dropout=0.0,
    epochs=option(
        8,
        "validation evaluations: training runs --epochs x --steps-per-epoch steps",
        "training",
        "[1, inf)",
    ),
    steps_per_epoch=option(
        250,
        "training steps (random batches) between two validation evaluations",
        "training",
        "[1, inf)",
    ),
    batch_size=option(12, "windows per training step", "training", "[1, inf)"),
    validation_fraction=option(
        0.1,
        "share of the text for the validation loss: the end of a text file "
        "(nanoGPT's split), or whole documents of a TSV",
        "split",
        "[0, 1)",
    ),
    test_fraction=option(
        0.0, "share of the text held out for a test loss (0: none)", "split", "[0, 1)"
    ),
)
class GPTTrainingConfig(TransformerTrainingConfig):
    """How to train a `GPT` language model (see `option` helps).

    Give `data` (a `.txt` file, or a TSV of documents) or `dataset`. A
    vocabulary is learned from the training split (`tokenizer`), then the
    model trains `epochs x steps_per_epoch` steps on random windows of
    `sequence_length + 1` tokens, the validation loss measured after every
    `steps_per_epoch` steps on the whole validation split.
    """

    data: str | None = option(
        None,
        "training text: a UTF-8 .txt file (one document) or a TSV (one document a row)",
        "data",
        exclusive="source",
        required=True,
    )
    validation_data: str | None = given_split_option("validation")
    test_data: str | None = given_split_option("test")
    dataset: str | None = text_dataset_option()
    text_columns: str | None = text_columns_option()
    data_dir: str | None = data_dir_option()
    tokenizer: str = option(
        "char",
        "SentencePiece vocabulary with byte fallback: one token per character, "
        "or learned subwords (bpe, unigram)",
        "model",
        choices=MODEL_TYPES,
    )
    vocabulary_size: int = option(
        1024,
        "the most tokens, 260 reserved ones (specials, newline, 256 bytes) "
        "included; a character vocabulary keeps only the characters seen",
        "model",
        "[261, inf)",
    )
    character_coverage: float = option(
        1.0,
        "share of the characters given a token of their own (the rarest others "
        "are spelled in bytes; e.g. 0.9995 for Chinese)",
        "model",
        "(0, 1]",
    )
    byte_fallback: bool = option(
        True,
        "spell characters outside the vocabulary in byte tokens (256 ids); "
        "--no-byte-fallback: no byte tokens, unseen characters become <unk> "
        "(for characters, exactly those of the training text, as nanoGPT's)",
        "model",
    )
    sequence_length: int = option(
        64, "the context: tokens the model sees (block size)", "model", "[2, inf)"
    )
    position: str = option(
        "learned", "position encoding", "model", choices=("learned", "rotary")
    )
    bias: bool = option(
        True,
        "biases in the attention and feed-forward layers and a beta in the "
        "layer norms, as GPT-2; --no-bias: none (nanoGPT's bias=False)",
        "model",
    )
    learning_rate: float = option(
        1e-3, "the peak learning rate", "training", "(0, inf)"
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
        0.1, "AdamW's decoupled weight decay", "training", "[0, inf)"
    )

    def __post_init__(self):
        super().__post_init__()
        if (self.data is None) == (self.dataset is None):
            raise ValueError(
                "Give one of `data` (--data, a text file) and `dataset` "
                f"(--dataset). Received: data={self.data!r}, "
                f"dataset={self.dataset!r}"
            )
        self.columns()

    def columns(self):
        """`text_columns` as a list of ints, or None."""
        return parse_text_columns(self.text_columns)


def train(config, command=None):
    """`gpt, record = train(config)`: a `GPT` trained as `config` says, and
    its record, both written to `config.output` when set (`command`, the
    command line, is kept in the record)."""

    from applications.common.callbacks import PerplexityFromLoss
    from applications.data import language_modeling as data
    from applications.gpt.backbone import GPTBackbone

    run = training.TrainingRun(config, command, backbone_cls=GPTBackbone)
    documents, description = load_documents(config)
    options = config.split_options()
    splits = data.split_documents(
        documents, options["validation_fraction"], options["test_fraction"], config.seed
    )
    splits = training.with_given_splits(
        config, splits, lambda path: data.load_documents(path, config.columns())
    )
    gpt = build_gpt(config, splits[0])
    tokenizer = gpt.preprocessor.tokenizer
    streams = [data.token_stream(tokenizer, split) for split in splits]
    train_data = data.random_windows(
        streams[0], config.sequence_length, config.batch_size, config.seed
    )
    validation_data = None
    if len(streams[1]):
        validation_data = data.evaluation_windows(
            streams[1], config.sequence_length, config.batch_size
        )
    total_steps = config.epochs * config.steps_per_epoch
    # No metric per training step (a perplexity metric computes the
    # cross-entropy a second time: ~15% of a small model's step); the
    # perplexities are the exp of the losses.
    gpt.compile(
        optimizer=_optimizer(config, total_steps),
        weighted_metrics=[],
        steps_per_execution=steps_per_execution(config.steps_per_epoch),
    )
    run.describe(
        description,
        dict(zip(("train", "validation", "test"), map(len, streams))),
        f"{config.tokenizer} tokens",
        f"{total_steps:,} steps of {config.batch_size} x {config.sequence_length} "
        f"tokens, validation every {config.steps_per_epoch}",
    )
    monitor = "val_loss" if validation_data is not None else None
    result = run.fit(
        gpt, train_data, validation_data, monitor, callbacks=[PerplexityFromLoss()]
    )
    metrics = {
        "token_counts": dict(zip(("train", "validation", "test"), map(len, streams)))
    }
    if validation_data is not None:
        loss = result["best_value"]
        metrics.update(
            validation_loss=round(loss, 4),
            validation_perplexity=round(math.exp(loss), 3),
        )
        metrics["result"] = (
            f"validation loss {loss:.4f} (perplexity {math.exp(loss):.2f})"
        )
    if len(streams[2]):
        loss = evaluate_loss(gpt, streams[2], config.sequence_length, config.batch_size)
        metrics.update(
            test_loss=round(loss, 4), test_perplexity=round(math.exp(loss), 3)
        )
        metrics["result"] = f"test loss {loss:.4f} (perplexity {math.exp(loss):.2f})"
    metrics["sample"] = sample_text(
        gpt, config.seed, min(SAMPLE_LENGTH, config.sequence_length)
    )
    examples = (splits[0][:2], splits[0][:2])
    return run.finish(
        gpt,
        (examples, (splits[1], splits[1]), (splits[2], splits[2])),
        f"GPT language model ({config.tokenizer} tokens) trained on {description}",
        description,
        **metrics,
    )


def sample_text(gpt, seed, max_length):
    """What the trained model writes from an empty prompt, for the record:
    top-k sampling (k 10, temperature 0.8) seeded with `seed`."""
    from applications.gpt.generation import make_sampler

    sampler = gpt.sampler
    gpt.compile(sampler=make_sampler("top_k", top_k=10, temperature=0.8, seed=seed))
    try:
        return gpt.generate("", max_length=max_length, stop_token_ids=None)
    finally:
        gpt.compile(sampler=sampler)


def load_documents(config):
    """The documents `config` names and a description of them."""
    from applications.data import language_modeling as data

    if config.dataset is not None:
        documents, source = data.load_dataset(config.dataset, config.data_dir)
        return documents, f"{config.dataset} ({_documents(documents)}, {source})"
    documents = data.load_documents(config.data, config.columns())
    return documents, f"{config.data} ({_documents(documents)})"


def _documents(documents):
    return f"{len(documents):,} document" + ("s" if len(documents) != 1 else "")


def build_gpt(config, texts):
    """An untrained `GPT` as `config` says, its vocabulary learned from `texts`."""
    from applications.gpt.backbone import GPTBackbone
    from applications.gpt.preprocessor import GPTPreprocessor
    from applications.gpt.task import GPT
    from applications.gpt.tokenizer import GPTTokenizer

    tokenizer = GPTTokenizer.from_texts(
        texts,
        vocabulary_size=config.vocabulary_size,
        model_type=config.tokenizer,
        character_coverage=config.character_coverage,
        byte_fallback=config.byte_fallback,
    )
    backbone = GPTBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        max_sequence_length=config.sequence_length,
        dropout=config.dropout,
        position=config.position,
        use_bias=config.bias,
    )
    preprocessor = GPTPreprocessor(tokenizer, sequence_length=config.sequence_length)
    return GPT(backbone, preprocessor)


def steps_per_execution(steps_per_epoch):
    """Training steps per call of the compiled training step: on
    TensorFlow, the largest divisor of `steps_per_epoch` up to 10 (a graph
    loop over them costs ~2% less a step than a call per step, a small
    GPT on one CPU core; the same steps, batches and updates); 1 on JAX,
    which would unroll them into one compiled function, and on torch,
    whose Keras trainer takes 1 only. A divisor, so that no epoch runs
    over."""
    import keras

    if keras.config.backend() != "tensorflow":
        return 1
    return max(n for n in range(1, 11) if steps_per_epoch % n == 0)


def _optimizer(config, total_steps):
    from applications.common.optimizers import adamw

    schedule = training.warmup_cosine_schedule(
        config.learning_rate,
        total_steps,
        config.warmup_steps,
        alpha=config.final_learning_rate,
    )
    # Keras' AdamW; on TensorFlow, with its per-step scalars computed once.
    optimizer = adamw(
        learning_rate=schedule,
        weight_decay=config.weight_decay,
        beta_2=0.99,
        global_clipnorm=1.0,
    )
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return optimizer


def evaluate_loss(gpt, stream, sequence_length, batch_size=32):
    """Mean next-token cross-entropy (nats) over a token stream.

    Args:
        gpt: a `GPT`.
        stream: int token ids (e.g. `token_stream()` of a split).
        sequence_length: the context of each window (see
            `language_modeling.evaluation_windows`).
        batch_size: windows per batch.

    Returns:
        float, the loss; its `exp` is the perplexity.
    """
    from applications.data.language_modeling import evaluation_windows

    results = gpt.evaluate(
        evaluation_windows(stream, sequence_length, batch_size),
        verbose=0,
        return_dict=True,
    )
    return float(results["loss"])

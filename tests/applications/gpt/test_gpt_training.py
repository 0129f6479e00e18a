"""The GPT training recipe and its commands: train lm, generate, evaluate lm;
language-model data files and what is refused."""

import json

import numpy as np
import pytest

from applications.cli import main
from applications.data import language_modeling as data
from applications.gpt.task import GPT
from applications.gpt.tokenizer import GPTTokenizer
from applications.gpt.training import GPTTrainingConfig, train

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 40
TINY = ["--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
        "--intermediate-dim", "32", "--sequence-length", "16", "--batch-size", "4",
        "--verbose", "0"]  # fmt: skip


def test_train_generate_evaluate_commands(tmp_path, capsys):
    text_file = tmp_path / "plays.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    output = tmp_path / "my_gpt"
    status = main(
        ["train", "lm", "--data", str(text_file), "--output", str(output),
         "--epochs", "2", "--steps-per-epoch", "3", *TINY, "--no-byte-fallback",
         "--checkpoint", str(tmp_path / "best.weights.h5")]
    )  # fmt: skip
    assert status == 0
    metadata = json.loads((output / "metadata.json").read_text())
    # --no-byte-fallback: exactly the training text's characters, 3 specials.
    tokenizer = GPT.from_preset(str(output)).preprocessor.tokenizer
    assert tokenizer.vocabulary_size() == 3 + len(set(TEXT[: int(len(TEXT) * 0.9)]))
    assert metadata["training_command"].startswith("keras-attention train lm")
    assert metadata["epochs_run"] == 2
    assert len(metadata["history"]["val_loss"]) == 2
    assert metadata["validation_loss"] == pytest.approx(
        min(metadata["history"]["val_loss"]), abs=1e-3
    )
    # nanoGPT's split: the last 10% of the characters validate.
    assert metadata["token_counts"]["validation"] == len(TEXT) - int(len(TEXT) * 0.9)
    capsys.readouterr()

    assert main(["generate", "--preset", str(output), "First", "--max-length", "12",
                 "--seed", "1"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("First")
    assert main(["generate", "--preset", str(output), "First", "--max-length", "12",
                 "--sampler", "greedy", "--no-stream"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("First")

    validation = tmp_path / "valid.txt"
    validation.write_text(TEXT[int(len(TEXT) * 0.9) :], encoding="utf-8")
    assert (
        main(["evaluate", "lm", "--preset", str(output), "--data", str(validation)])
        == 0
    )
    out = capsys.readouterr().out
    assert "perplexity" in out
    # The same windows as the record's validation loss (best = last epoch
    # or not, it is one of the logged values).
    loss = float(out.split("loss ")[1].split()[0])
    assert min(abs(loss - v) for v in metadata["history"]["val_loss"]) < 1e-3


def test_tsv_documents_are_split_whole_and_separated(tmp_path):
    rows = ["title\tauthor\ttext"] + [
        f"poem {i}\tpoet\tline {i}, line {i}." for i in range(20)
    ]
    path = tmp_path / "poems.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    documents = data.load_documents(path, [0, 2])
    assert documents[1] == "poem 0\nline 0, line 0."
    train_docs, validation, test = data.split_documents(documents, 0.2, 0.1, seed=1)
    assert sorted(train_docs + validation + test) == sorted(documents)
    tokenizer = GPTTokenizer.from_texts(documents)
    stream = data.token_stream(tokenizer, validation)
    end = tokenizer.end_token_id
    assert stream[0] == end and stream[-1] == end
    assert int(np.sum(stream == end)) == len(validation) + 1


def test_windows_are_next_token_pairs():
    stream = np.arange(100, dtype="int32")
    x, y = next(iter(data.random_windows(stream, 8, 4, seed=3)))
    np.testing.assert_array_equal(np.asarray(y), np.asarray(x["token_ids"]) + 1)
    batches = list(data.evaluation_windows(stream, 8, 5))
    labels = np.concatenate([np.asarray(b[1]).reshape(-1) for b in batches])
    np.testing.assert_array_equal(labels, np.arange(1, 97))  # (100 - 1) // 8 windows


def test_random_windows_are_seeded_batches_of_the_stream():
    stream = np.arange(1000, dtype="int32")

    def batches(seed, count=3):
        windows = data.random_windows(stream, 8, 4, seed=seed).take(count)
        return [np.asarray(x["token_ids"]) for x, _ in windows]

    first = batches(seed=3)
    assert all(b.shape == (4, 8) for b in first)
    for b in first:  # each row: 8 consecutive tokens of the stream
        np.testing.assert_array_equal(b - b[:, :1], np.tile(np.arange(8), (4, 1)))
        assert b.min() >= 0 and b.max() <= 998  # its label (+1) is in the stream
    for a, b in zip(first, batches(seed=3)):  # the same every run
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # a new draw every batch
    assert not np.array_equal(first[0], batches(seed=4, count=1)[0])


def test_known_data_sets_read_their_shared_files(shared_data):
    documents, source = data.load_dataset("tang_poems")
    assert len(documents) > 50000 and source.endswith("tang_poems.tsv")
    assert documents[0].startswith("帝京篇十首 一\n秦川雄帝宅，函谷壯皇居。\n")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "holds no text"),
        (b"  \n\n ", "holds no text"),
        (b"caf\xe9 au lait\n", "not UTF-8"),
        (b"short text\n", "fewer than one context window"),
    ],
)
def test_bad_training_text_is_named(tmp_path, content, message):
    path = tmp_path / "text.txt"
    path.write_bytes(content)
    config = GPTTrainingConfig(
        data=str(path), num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=8,
        sequence_length=32, epochs=1, steps_per_epoch=1, verbose=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match=message):
        train(config)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"text_columns": "a,b"}, "text_columns"),
        ({"dataset": "tiny_shakespeare"}, "Give one of"),
        ({"vocabulary_size": 100}, "vocabulary_size"),
        ({"tokenizer": "word"}, "tokenizer"),
    ],
)
def test_bad_training_options_are_named(overrides, message):
    with pytest.raises(ValueError, match=message):
        GPTTrainingConfig(**{"data": "text.txt", **overrides})


def test_unknown_sampler_on_the_command_line(capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--preset", "gpt2_small", "--sampler", "nucleus"])
    assert "invalid choice: 'nucleus'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["generate", "--preset", "gpt2_small", "--top-p", "1.5"])
    assert "--top-p" in capsys.readouterr().err

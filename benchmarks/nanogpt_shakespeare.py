"""Tiny Shakespeare, character level: nanoGPT's own `train.py` and our
`train lm` recipe with the same configuration, split and characters.

nanoGPT (Karpathy) is the reference for this set. Its README's CPU run:

    python train.py config/train_shakespeare_char.py --device=cpu --compile=False
      --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12
      --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000
      --lr_decay_iters=2000 --dropout=0.0

(AdamW, learning rate 1e-3 with 100 warmup steps and a cosine decay to 1e-4,
beta_2 0.99, weight decay 0.1, gradients clipped at 1; the first 90% of the
characters train, the last 10% validate). This benchmark runs that command
in a copy of a nanoGPT checkout (its code stays outside this repository),
then our recipe with the same settings on each backend, and reports:

- ms/iteration: the median training step, evaluations left out (nanoGPT:
  its `iter` lines; ours: the history's `step_ms`, each epoch's training
  time per step, the first epoch, which compiles, left out); and ours
  with the validation of every epoch spread over its steps (Keras'
  `ms/step`);
- validation loss as each reports it (nanoGPT: the mean of 20 random
  batches at its best evaluation; ours: every window of the split), and
  both models' loss on the same consecutive 64-character windows of the
  validation text (nanoGPT's best checkpoint scored by its own model code).

Ours runs without biases (`--no-bias`), as nanoGPT's configuration
(`bias=False`), with nanoGPT's vocabulary of exactly the text's 65
characters (`--no-byte-fallback`; plus `<unk>`, `<s>` and `</s>`, which
never occur in the text: 68 ids), and with the environment `train lm` sets
(TensorFlow's oneDNN CPU kernels,
`applications.gpt.cli.TRAINING_ENVIRONMENT`).

Run: python benchmarks/nanogpt_shakespeare.py --nanogpt ../nanoGPT
     (each run pinned as the caller pins it, e.g. `taskset -c 0`);
     `--max-iters N` trains N iterations instead of 2,000, for a quick
     comparison of the step times (the losses are then not comparable).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from applications.gpt.cli import TRAINING_ENVIRONMENT  # noqa: E402
from benchmarks import common  # noqa: E402

CONFIG = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12,
              max_iters=2000, learning_rate=1e-3, warmup_iters=100)  # fmt: skip
QUICK = dict(CONFIG, max_iters=20, n_layer=1, n_embd=32)
BACKENDS = ("tensorflow", "jax", "torch")
NANOGPT_FILES = ("train.py", "model.py", "configurator.py", "config",
                 "data/shakespeare_char/prepare.py")  # fmt: skip


def nanogpt_command(config, out_dir):
    """The README's CPU command, with `config`'s sizes."""
    return [
        sys.executable, "train.py", "config/train_shakespeare_char.py",
        "--device=cpu", "--compile=False", "--eval_iters=20", "--log_interval=1",
        f"--block_size={config['block_size']}", f"--batch_size={config['batch_size']}",
        f"--n_layer={config['n_layer']}", f"--n_head={config['n_head']}",
        f"--n_embd={config['n_embd']}", f"--max_iters={config['max_iters']}",
        f"--lr_decay_iters={config['max_iters']}", "--dropout=0.0",
        f"--eval_interval={max(1, config['max_iters'] // 8)}", f"--out_dir={out_dir}",
    ]  # fmt: skip


def run_nanogpt(checkout, text_path, config, work):
    """Runs nanoGPT's train.py in a copy of `checkout`; returns its numbers."""
    copy = Path(work) / "nanoGPT"
    for name in NANOGPT_FILES:
        source, target = Path(checkout) / name, copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    data = copy / "data" / "shakespeare_char"
    shutil.copy(text_path, data / "input.txt")
    subprocess.run([sys.executable, "prepare.py"], cwd=data, check=True,
                   capture_output=True)  # fmt: skip
    out_dir = Path(work) / "nanogpt_out"
    completed = subprocess.run(
        nanogpt_command(config, out_dir), cwd=copy, capture_output=True, text=True
    )
    if completed.returncode:
        raise RuntimeError(f"nanoGPT's train.py failed:\n{completed.stderr[-3000:]}")
    log = completed.stdout
    times = [
        float(t)
        for t in re.findall(r"^iter \d+: loss [\d.]+, time ([\d.]+)ms", log, re.M)
    ]
    evaluations = re.findall(
        r"^step (\d+): train loss ([\d.]+), val loss ([\d.]+)", log, re.M
    )
    validation = {int(step): float(val) for step, _, val in evaluations}
    return {
        "command": " ".join(nanogpt_command(config, "out")[1:]),
        "ms_per_iteration": statistics.median(times[10:] or times),
        "reported_validation_losses": validation,
        "best_reported_validation_loss": min(validation.values()),
        "checkpoint": str(out_dir / "ckpt.pt"),
        "model_dir": str(copy),
        "validation_bin": str(data / "val.bin"),
    }


def nanogpt_window_loss(result, block_size):
    """nanoGPT's best checkpoint on consecutive windows of val.bin (its model code)."""
    import numpy as np
    import torch

    sys.path.insert(0, result["model_dir"])
    from model import GPT, GPTConfig  # nanoGPT's

    checkpoint = torch.load(result["checkpoint"], map_location="cpu")
    model = GPT(GPTConfig(**checkpoint["model_args"]))
    state = {k.removeprefix("_orig_mod."): v for k, v in checkpoint["model"].items()}
    model.load_state_dict(state)
    model.eval()
    ids = np.fromfile(result["validation_bin"], dtype=np.uint16).astype("int64")
    count = (len(ids) - 1) // block_size
    windows = np.stack(
        [ids[s * block_size : s * block_size + block_size + 1] for s in range(count)]
    )
    losses = []
    with torch.no_grad():
        for start in range(0, count, 64):
            batch = torch.from_numpy(windows[start : start + 64])
            inputs, targets = batch[:, :-1].contiguous(), batch[:, 1:].contiguous()
            _, loss = model(inputs, targets)
            losses.append((float(loss), len(batch)))
    return sum(loss * n for loss, n in losses) / sum(n for _, n in losses)


OURS = """
import json, sys
from applications.gpt.training import GPTTrainingConfig, train
config = GPTTrainingConfig(**json.loads(sys.argv[1]))
_, record = train(config)
print("RECORD " + json.dumps({k: record[k] for k in
      ("validation_loss", "history", "params", "training_wall_time_seconds")}))
"""


def run_ours(backend, text_path, config, work):
    """Our recipe on one backend, in its own process; returns its numbers."""
    options = dict(
        data=str(text_path), num_layers=config["n_layer"], num_heads=config["n_head"],
        hidden_dim=config["n_embd"], intermediate_dim=4 * config["n_embd"],
        sequence_length=config["block_size"], batch_size=config["batch_size"],
        epochs=8, steps_per_epoch=max(1, config["max_iters"] // 8),
        learning_rate=config["learning_rate"], warmup_steps=config["warmup_iters"],
        final_learning_rate=0.1, dropout=0.0, weight_decay=0.1, bias=False,
        byte_fallback=False,
        verbose=2, checkpoint=str(Path(work) / f"ours_{backend}.weights.h5"),
    )  # fmt: skip
    # As `keras-attention train lm` runs: its environment defaults first.
    environment = dict(TRAINING_ENVIRONMENT)
    environment.update(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    completed = subprocess.run(
        [sys.executable, "-c", OURS, json.dumps(options)], cwd=REPOSITORY,
        env=environment, capture_output=True, text=True,
    )  # fmt: skip
    if completed.returncode:
        raise RuntimeError(f"train lm failed on {backend}:\n{completed.stderr[-3000:]}")
    out = completed.stdout
    record = json.loads(out.split("RECORD ", 1)[1])
    step_ms = record["history"]["step_ms"]
    per_epoch = [float(ms) for ms in re.findall(r" - (\d+)ms/step", out)]
    seconds = [float(s) for s in re.findall(r" - ([\d.]+)s/step", out)]
    per_epoch += [1000 * s for s in seconds]
    return {
        "command": f"KERAS_BACKEND={backend} keras-attention train lm --data "
        "tinyshakespeare.txt "
        + " ".join(
            _flag(k, v) for k, v in options.items() if k not in ("data", "checkpoint")
        ),
        "ms_per_iteration": statistics.median(step_ms[1:] or step_ms),
        "ms_per_step_with_validation": statistics.median(per_epoch[1:] or per_epoch),
        "validation_loss": record["validation_loss"],
        "validation_losses": record["history"]["val_loss"],
        "params": record["params"],
        "wall_time_s": record["training_wall_time_seconds"],
    }


def _flag(name, value):
    """The command-line option of a config field, e.g. `--no-bias`."""
    name = name.replace("_", "-")
    if isinstance(value, bool):
        return f"--{name}" if value else f"--no-{name}"
    return f"--{name} {value}"


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--nanogpt", required=True, help="a nanoGPT checkout")
    parser.add_argument("--text", help="tinyshakespeare.txt (default: ../shared/data)")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument(
        "--max-iters",
        type=int,
        help="iterations of every run (default: 2,000, nanoGPT's README), "
        "e.g. 400 to compare step times quickly",
    )
    arguments = parser.parse_args()
    config = QUICK if arguments.quick else CONFIG
    if arguments.max_iters:
        config = dict(config, max_iters=arguments.max_iters)
    text = arguments.text or (
        REPOSITORY.parent
        / "shared"
        / "data"
        / "language_modeling"
        / "tinyshakespeare.txt"
    )
    with tempfile.TemporaryDirectory() as work:
        nanogpt = run_nanogpt(arguments.nanogpt, text, config, work)
        nanogpt["window_validation_loss"] = nanogpt_window_loss(
            nanogpt, config["block_size"]
        )
        for key in ("checkpoint", "model_dir", "validation_bin"):
            nanogpt.pop(key)
        ours = {
            b: run_ours(b, text, config, work) for b in arguments.backends.split(",")
        }
    results = {"config": config, "nanogpt": nanogpt, "ours": ours}
    for result in ours.values():
        result["loss_minus_nanogpt"] = (
            result["validation_loss"] - nanogpt["window_validation_loss"]
        )
        result["ms_per_iteration_over_nanogpt"] = (
            result["ms_per_iteration"] / nanogpt["ms_per_iteration"]
        )
    common.emit("nanogpt_shakespeare", results, arguments)


if __name__ == "__main__":
    main()

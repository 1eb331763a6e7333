"""Temperature scaling measured: each config trained on IMDB with its default ``train.calibrate`` (a temperature
fitted on the validation split and folded into the output layer), scored on the official test split.

    python -m benchmarks.calibration --imdb ../shared/data/aclImdb_labeled.tar.gz [--configs nbsvm cnn lstm] \
        [--epochs lstm=2 ...]

Per config, from one training: the temperature, and the test ECE (15 bins) of the same logits without it and
with it, as the run records them (``metrics.json``, ``calibration``). ``textclf evaluate`` then scores the saved
model: its ECE must be the run's "with", and its accuracy the run's own (a temperature never changes a decision).
``--epochs`` shortens a config's training where a full one would not fit the session (said in the table). Results
go to benchmarks/RESULTS.md (section "calibration") and calibration.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from benchmarks.peers import HERE, ROOT, timed
from benchmarks.results import markdown_table, merge_rows, section_body, write_section


def train(config: str, archive: str, out: Path, overrides: list[str]) -> Path:
    command = [sys.executable, "-m", "textclf", "train", str(ROOT / "configs" / f"{config}.yaml"), "--data", archive,
               "--output-dir", str(out), *(item for value in overrides for item in ("--set", value))]
    _, _, stdout = timed(command)
    return Path(stdout.strip().splitlines()[-1])


def measure(config: str, archive: str, folder: Path, epochs: int | None) -> dict:
    run = train(config, archive, folder / config, [f"train.epochs={epochs}"] if epochs else [])
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    timed([sys.executable, "-m", "textclf", "evaluate", str(run), "--errors", "0"])
    report = json.loads((run / "evaluation" / "test" / "metrics.json").read_text(encoding="utf-8"))
    return {"config": config, "epochs": epochs or metrics["epochs_run"], "calibration": metrics["calibration"],
            "test_accuracy": metrics["test_accuracy"], "evaluate_accuracy": report["accuracy"],
            "evaluate_ece": report["calibration"]["ece"], "evaluate_brier": report["calibration"]["brier"]}


def table(rows: list[dict]) -> str:
    return markdown_table(
        ["config", "epochs", "temperature", "test ECE without → with", "evaluate: ECE, Brier", "test accuracy: run / "
         "evaluate"],
        [[row["config"], str(row["epochs"]), f"{row['calibration']['temperature']:.3f}",
          f"{row['calibration']['test_ece_before']:.4f} → **{row['calibration']['test_ece_after']:.4f}**",
          f"{row['evaluate_ece']:.4f}, {row['evaluate_brier']:.4f}",
          f"{row['test_accuracy']:.4f} / {row['evaluate_accuracy']:.4f}"] for row in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", required=True, help="the IMDB archive or folder")
    parser.add_argument("--configs", nargs="*", default=["nbsvm", "cnn", "lstm"])
    parser.add_argument("--epochs", nargs="*", default=[], help="CONFIG=N: train that config N epochs")
    args = parser.parse_args()
    epochs = dict(item.split("=", 1) for item in args.epochs)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for config in args.configs:
            rows.append(measure(config, args.imdb, Path(folder), int(epochs[config]) if config in epochs else None))
            print(json.dumps(rows[-1]), flush=True)
    merged = merge_rows(HERE / "calibration.json", rows, "config", args.configs)
    body = section_body(__doc__, table(merged))
    write_section("calibration", "Temperature scaling: test ECE on IMDB without and with it", body)
    print(table(merged))


if __name__ == "__main__":
    main()

"""Train the shipped configs on the full IMDB and record accuracy and speed.

    python -m benchmarks.imdb_accuracy --data ../shared/data/aclImdb_labeled.tar.gz [CONFIG_NAME ...]

Each config runs through the real CLI in its own process; the table goes to
benchmarks/RESULTS.md (section "imdb-accuracy"), runs to benchmarks/runs/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.results import write_section

ROOT = Path(__file__).resolve().parent.parent
ROWS = Path(__file__).with_name("imdb_accuracy.json")  # the latest row of every config, kept between runs
TARGETS = {"dense_bow": 0.885, "simple_rnn": 0.84, "lstm": 0.875, "gru": 0.875, "bilstm": 0.885,
           "nbsvm": 0.915, "bow_ngram": None, "embedding_bag": None, "cnn": None, "transformer": None}


def train(config: str, data: str, output_dir: Path) -> dict:
    command = ["textclf", "train", str(ROOT / "configs" / f"{config}.yaml"), "--data", data,
               "--output-dir", str(output_dir)]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    run_dir = Path(completed.stdout.strip().splitlines()[-1])
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {"config": config, "command": " ".join(command[1:]), "measured_at": run_dir.name.rsplit("-", 1)[-1],
            **metrics}


def table(rows: list[dict]) -> str:
    lines = [
        "| config | test accuracy | target | epochs run | seconds/epoch | train seconds | parameters | measured at |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        target = TARGETS.get(row["config"])
        mark = "" if target is None else (" ✓" if row["test_accuracy"] >= target else " ✗")
        lines.append(
            f"| {row['config']} | {row['test_accuracy']:.4f}{mark} | {target or '-'} | {row['epochs_run']} "
            f"| {row['seconds_per_epoch']:.1f} | {row['train_seconds']:.0f} | {row['parameters']:,} "
            f"| {row['measured_at']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=list(TARGETS))
    parser.add_argument("--data", required=True, help="aclImdb folder or .tar.gz")
    parser.add_argument("--output-dir", default=str(ROOT / "benchmarks" / "runs"))
    args = parser.parse_args()
    latest = json.loads(ROWS.read_text()) if ROWS.exists() else {}
    for config in args.configs:
        latest[config] = train(config, args.data, Path(args.output_dir))
        print(f"{config}: test accuracy {latest[config]['test_accuracy']:.4f}", file=sys.stderr, flush=True)
        ROWS.write_text(json.dumps(latest, indent=2) + "\n")
    rows = [latest[name] for name in TARGETS if name in latest]
    body = (
        "Full IMDB: 25,000 test reviews; the official train split gives 20,000 train / 5,000 validation "
        "reviews (22,500 / 2,500 where a config sets `validation_split: 0.1`). Each row is "
        "`textclf train configs/<config>.yaml --data <archive>`, trained from scratch on this machine. "
        "Seconds per epoch is the mean over all epochs run, the first included; train seconds their sum "
        "(reading, vectorizing and testing excluded). Rows rerun one by one keep their own time stamp "
        "(`measured at`, UTC).\n\n"
        + table(rows)
    )
    write_section("imdb-accuracy", "IMDB test accuracy of the shipped configs", body)


if __name__ == "__main__":
    main()

"""Multi-label design choices, scored on GoEmotions' training rows only (dev.tsv is never read).

    python -m benchmarks.multi_label_cv --data ../shared/data/goemotions [--folds 3] [--choices NAME ...]

Each fold holds out a seeded 15 % of ``train.tsv`` as its test file; every
arm trains ``configs/goemotions.yaml`` on the other 85 % (one whole
``textclf train`` process) and is scored by macro-F1 on the held-out rows under
the thresholds its run tuned. A choice's figure is the mean over folds of
default − alternative, with its standard error. Results: benchmarks/RESULTS.md
(section "multi-label-cv") and multi_label_cv.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.results import markdown_table, merge_rows, section_body, write_section

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
HELD_OUT = 0.15


PLAIN = ["train.ensemble=1"]  # one training of the config: its best epoch sets the refits' epochs


def refit(share: float):
    """The final run of a search: the config trained for its run's best epoch, on all but ``share`` of the texts."""
    return lambda best_epoch: [*PLAIN, f"data.validation_split={share}", f"train.epochs={best_epoch}",
                               "train.early_stopping.enabled=false", "train.reduce_lr_on_plateau.enabled=false",
                               "train.checkpoint_monitor=loss"]


# name → (what it decides, the default's overrides, the alternative's), each given the plain run's best epoch
CHOICES = {
    "refit_share": ("a multi-label final run keeps the config's validation share, where its thresholds are tuned "
                    "(`tuning/space.refit_share`); the alternative: a 1 % sliver, as one label per text",
                    refit(0.15), refit(0.01)),
    "ensemble": ("configs/goemotions.yaml averages three seeds (`train.ensemble: 3`) sharing one validation "
                 "split, its thresholds tuned on their mean; the alternative: one model",
                 lambda best_epoch: ["train.ensemble=3"], lambda best_epoch: PLAIN),
    "hidden_units": ("configs/goemotions.yaml's bag MLP has one hidden layer of 256 units; the alternative: 512 "
                     "(measured on words and word pairs, before `data.char_ngrams`)",
                     lambda best_epoch: PLAIN, lambda best_epoch: [*PLAIN, "model.hidden_units=[512]"]),
    "char_ngrams": ("configs/goemotions.yaml reads each word's character 2–4-grams besides words and word pairs "
                    "(`data.char_ngrams: [2, 4]`); the alternative: words and word pairs only",
                    lambda best_epoch: PLAIN, lambda best_epoch: [*PLAIN, "data.char_ngrams=null"]),
    "input_dropout": ("configs/goemotions.yaml keeps every n-gram of a training text; the alternative drops a "
                      "fifth of them at random (`model.input_dropout`; measured before `data.char_ngrams`)",
                      lambda best_epoch: PLAIN, lambda best_epoch: [*PLAIN, "model.input_dropout=0.2"]),
}


def split(train: Path, seed: int, folder: Path) -> tuple[Path, Path]:
    """A seeded 85 % / 15 % split of the training rows into two files."""
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(seed).shuffle(lines)
    cut = int(len(lines) * HELD_OUT)
    kept, held = folder / f"fold{seed}-train.tsv", folder / f"fold{seed}-held.tsv"
    kept.write_text("".join(lines[cut:]), encoding="utf-8")
    held.write_text("".join(lines[:cut]), encoding="utf-8")
    return kept, held


def train(kept: Path, held: Path, overrides: list[str], out: Path) -> dict:
    """One ``textclf train`` of configs/goemotions.yaml: its metrics (macro-F1 on the held-out rows)."""
    command = [sys.executable, "-m", "textclf", "train", str(ROOT / "configs" / "goemotions.yaml"), "--data",
               str(kept), "--set", f"data.test_path={held}", "--output-dir", str(out),
               *[arg for value in overrides for arg in ("--set", value)]]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"textclf train {' '.join(overrides)} failed:\n{done.stderr[-2000:]}")
    return json.loads((Path(done.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())


def measure(data: Path, folds: int, names: list[str], scratch: Path) -> list[dict]:
    scores = {name: {"default": [], "alternative": []} for name in names}
    for seed in range(1, folds + 1):
        kept, held = split(data / "train.tsv", seed, scratch)
        plain = train(kept, held, PLAIN, scratch)
        for name in names:
            _, default, alternative = CHOICES[name]
            for arm, overrides in (("default", default), ("alternative", alternative)):
                wanted = overrides(plain["best_epoch"])
                metrics = plain if wanted == PLAIN else train(kept, held, wanted, scratch)
                scores[name][arm].append(metrics["test_macro_f1"])
            print(name, seed, scores[name], flush=True)
    return [row(name, scores[name]) for name in names]


def row(name: str, scores: dict) -> dict:
    differences = [100 * (d - a) for d, a in zip(scores["default"], scores["alternative"], strict=True)]
    error = statistics.stdev(differences) / len(differences) ** 0.5 if len(differences) > 1 else float("nan")
    return {"choice": name, "decides": CHOICES[name][0], "default": scores["default"],
            "alternative": scores["alternative"], "mean_difference": statistics.mean(differences),
            "standard_error": error, "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def table(rows: list[dict]) -> str:
    header = ["choice", "what it decides", "default − alternative (macro-F1 points)", "per fold: default / alternative",
              "measured"]
    return markdown_table(header, [
        [r["choice"], r["decides"], f"{r['mean_difference']:+.2f} ± {r['standard_error']:.2f}",
         ", ".join(f"{d:.4f} / {a:.4f}" for d, a in zip(r["default"], r["alternative"], strict=True)), r["measured"]]
        for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder holding GoEmotions' train.tsv")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--choices", nargs="*", default=list(CHOICES), choices=list(CHOICES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="textclf-mlcv-") as scratch:
        rows = measure(Path(args.data), args.folds, args.choices, Path(scratch))
    publish(merge_rows(HERE / "multi_label_cv.json", rows, "choice", list(CHOICES)))


def publish(rows: list[dict]) -> None:
    write_section("multi-label-cv", "Multi-label design choices, by held-out rows of GoEmotions' train.tsv",
                  section_body(__doc__, table(rows)))
    print(table(rows))


if __name__ == "__main__":
    main()

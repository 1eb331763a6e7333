"""The visible suite: textclf against the baselines a user would try, on seven real sets, with intervals.

    python -m benchmarks.suite --imdb ../shared/data/aclImdb_labeled.tar.gz \
        --sentences ../shared/data/sentences --suite ../shared/data/suite [--sets cr hate ...]

Sets: CR, MPQA and SUBJ (the seeded 90/10 split of benchmarks/peers.py), TweetEval emotion and hate and
Banking77 (their official splits), and IMDB (its official split). Systems, each a whole process on the same
split: ``textclf train configs/recommended.yaml``, ``textclf tune`` (3 minutes; IMDB 10), TF-IDF(1,2) + LR,
fastText with bigrams, and fastText's autotune for tune's budget. Every system is scored the same way from its
predicted label for each test row (textclf: ``textclf predict RUN --file TEST --json``, not timed): accuracy and
macro-F1, each with a 95 % interval from 1,000 bootstrap resamples of the test rows. textclf chooses by its
trials' cross-validation on the training rows; the test split is scored once, after. Results go to
benchmarks/RESULTS.md (section "suite") and suite.json. Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import HERE, ROOT, split_csv, timed
from benchmarks.results import markdown_table, merge_rows, section_body, write_section

SETS = ["cr", "mpqa", "subj", "emotion", "hate", "banking77", "imdb"]
BUDGETS = {"imdb": 600}  # seconds; the others 180
FASTTEXT_EPOCHS = {"imdb": 10}  # the others 25, as in peers.py
PEERS = ["TF-IDF + LR", "fastText bigrams", "fastText autotune"]
RESAMPLES = 1000


def data_files(name: str, args, folder: Path) -> tuple[Path, Path]:
    """The train and test CSV of a set (IMDB's written from the archive, as textclf reads it)."""
    if name in ("cr", "mpqa", "subj"):
        return split_csv(Path(args.sentences) / f"{name}.csv", folder)
    if name != "imdb":
        return Path(args.suite) / name / "train.csv", Path(args.suite) / name / "test.csv"
    from textclf.data.sources import read_imdb

    labeled = read_imdb(args.imdb)
    paths = folder / "imdb-train.csv", folder / "imdb-test.csv"
    for path, split in zip(paths, ("train", "test"), strict=True):
        part = labeled.splits[split]
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["text", "label"])
            writer.writerows((text, labeled.class_names[label]) for text, label in zip(part.texts, part.labels,
                                                                                        strict=True))
    return paths


def commands(name: str, train: Path, test: Path, folder: Path) -> dict[str, list[str]]:
    budget = BUDGETS.get(name, 180)
    data = ["--set", f"data.test_path={test}"]
    baseline = [sys.executable, str(HERE / "peer_baselines.py")]
    peer = ["--train", str(train), "--test", str(test)]
    return {
        "textclf recommended": ["textclf", "train", str(ROOT / "configs" / "recommended.yaml"), "--data", str(train),
                                *data, "--output-dir", str(folder)],
        "textclf tune": ["textclf", "tune", str(train), *data, "--budget", f"{budget}s", "--output-dir", str(folder)],
        "TF-IDF + LR": [*baseline, "sklearn", *peer, "--predictions", str(folder / "sklearn.txt")],
        "fastText bigrams": [*baseline, "fasttext", *peer, "--epochs", str(FASTTEXT_EPOCHS.get(name, 25)),
                             "--predictions", str(folder / "fasttext.txt")],
        "fastText autotune": [*baseline, "fasttext", *peer, "--autotune", str(budget),
                              "--predictions", str(folder / "autotune.txt")],
    }


def predictions(system: str, command: list[str], out: str, test: Path, fallback: str) -> list[str]:
    """Each test row's predicted label: the peers wrote theirs; textclf's run folder is asked (``predict``)."""
    if not system.startswith("textclf"):
        return Path(command[command.index("--predictions") + 1]).read_text(encoding="utf-8").splitlines()
    run_dir = out.strip().splitlines()[-1]
    lines = subprocess.run(["textclf", "predict", run_dir, "--file", str(test), "--json"], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    return [json.loads(line)["label"] or fallback for line in lines]  # an empty text: the largest class


def scores(truth: list[str], predicted: list[str], seed: int = 0) -> dict:
    """Accuracy and macro-F1, each with its 95 % bootstrap interval over the test rows."""
    names = sorted(set(truth) | set(predicted))
    y, p = (np.array([names.index(v) for v in values]) for values in (truth, predicted))

    def both(rows: np.ndarray) -> tuple[float, float]:
        hits = np.bincount(y[rows][y[rows] == p[rows]], minlength=len(names))
        sizes = np.bincount(y[rows], minlength=len(names)) + np.bincount(p[rows], minlength=len(names))
        present = sizes > 0
        return float(np.mean(y[rows] == p[rows])), float(np.mean(2 * hits[present] / sizes[present]))

    rng = np.random.default_rng(seed)
    drawn = np.array([both(rng.integers(0, len(y), len(y))) for _ in range(RESAMPLES)])
    accuracy, macro_f1 = both(np.arange(len(y)))
    low, high = np.percentile(drawn, [2.5, 97.5], axis=0)
    return {"accuracy": accuracy, "accuracy_ci": [low[0], high[0]], "macro_f1": macro_f1,
            "macro_f1_ci": [low[1], high[1]]}


def measure(name: str, args, folder: Path) -> dict:
    train, test = data_files(name, args, folder)
    with open(test, newline="", encoding="utf-8") as file:
        truth = [row["label"] for row in csv.DictReader(file)]
    with open(train, newline="", encoding="utf-8") as file:
        labels = [row["label"] for row in csv.DictReader(file)]
    largest = max(set(labels), key=labels.count)
    systems = {}
    for system, command in commands(name, train, test, folder / name).items():
        if args.systems and system not in args.systems:
            continue
        (folder / name).mkdir(exist_ok=True)
        wall, rss, out = timed(command)
        systems[system] = {"wall": round(wall, 1), "rss": round(rss),
                           **scores(truth, predictions(system, command, out, test, largest))}
        print(f"{name} {system}: accuracy {systems[system]['accuracy']:.4f} macro-F1 "
              f"{systems[system]['macro_f1']:.4f} in {wall:.0f} s", file=sys.stderr, flush=True)
    return {"data": name, "budget": BUDGETS.get(name, 180), "test_rows": len(truth), "systems": systems,
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def with_saved_systems(row: dict) -> dict:
    """A set rerun for some systems only (``--systems``) keeps the others' saved results, each with the time it
    was measured, which the table names where it differs from the row's."""
    path = HERE / "suite.json"
    saved = next((old for old in json.loads(path.read_text()) if old["data"] == row["data"]), None) if (
        path.exists()) else None
    if saved is None:
        return row
    systems = {name: {"measured_at": saved["measured_at"], **result} for name, result in saved["systems"].items()}
    for result in row["systems"].values():
        result["measured_at"] = row["measured_at"]
    return {**row, "systems": {**systems, **row["systems"]}}


def margin(row: dict, system: str) -> float | None:
    """``system``'s test accuracy minus the best peer's, in points."""
    found = row["systems"]
    if system not in found or not all(peer in found for peer in PEERS):
        return None
    return 100 * (found[system]["accuracy"] - max(found[peer]["accuracy"] for peer in PEERS))


def cell(result: dict | None, row_measured: str = "") -> str:
    if result is None:
        return "-"
    when = result.get("measured_at", row_measured)
    measured = f"; measured {when}" if when != row_measured else ""
    low, high = result["accuracy_ci"]
    f_low, f_high = result["macro_f1_ci"]
    return (f"{result['accuracy']:.4f} [{low:.3f}, {high:.3f}]; F1 {result['macro_f1']:.4f} [{f_low:.3f}, "
            f"{f_high:.3f}]; {result['wall']:.0f} s, {result['rss']:,} MiB{measured}")


def table(rows: list[dict]) -> str:
    systems = ["textclf tune", "textclf recommended", *PEERS]
    body = [[row["data"], str(row["test_rows"]), *(cell(row["systems"].get(s), row["measured_at"]) for s in systems),
             *(f"{m:+.2f}" if (m := margin(row, s)) is not None else "-" for s in systems[:2]), row["measured_at"]]
            for row in rows]
    header = ["data", "test rows", *(f"{s}: test accuracy [95 %]; macro-F1 [95 %]; wall; peak RSS" for s in systems),
              "tune − best peer (points)", "recommended − best peer", "measured"]
    lines = [markdown_table(header, body), ""]
    for system in systems[:2]:
        margins = [m for row in rows if (m := margin(row, system)) is not None]
        if margins:
            lines.append(f"- {system}: beats the best peer on {sum(m > 0 for m in margins)} of {len(margins)} sets; "
                         f"mean margin {np.mean(margins):+.2f} points, worst {min(margins):+.2f}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", help="aclImdb folder or .tar.gz")
    parser.add_argument("--sentences", help="folder holding cr.csv, mpqa.csv, subj.csv")
    parser.add_argument("--suite", help="folder holding emotion/, hate/, banking77/ (train.csv, test.csv)")
    parser.add_argument("--sets", nargs="*", default=SETS, choices=SETS)
    parser.add_argument("--systems", nargs="*", help="only these systems (default: all)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets:
            rows.append(with_saved_systems(measure(name, args, Path(folder))))
            merged = merge_rows(HERE / "suite.json", rows, "data", SETS)  # saved after each set: a long run
    body = section_body(__doc__, table(merged))
    write_section("suite", "The visible suite: seven real sets, textclf against the best of three peers", body)
    print(table(merged))


if __name__ == "__main__":
    main()

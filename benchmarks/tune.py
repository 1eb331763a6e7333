"""``textclf tune`` against the baselines on data it was not tuned on, each given the same wall-clock budget.

    python -m benchmarks.tune --imdb ../shared/data/aclImdb_labeled.tar.gz \
        --sentences ../shared/data/sentences [--sets cr mpqa subj imdb]

Each data set: ``textclf tune TRAIN --budget B`` with the default search space
(sentence sets: 3 minutes, IMDB: 10), fastText's own search
(``-autotune-validation`` for the same budget), fastText with bigrams, and
TF-IDF(1,2) + logistic regression, every one a whole process on the same
split (the sentence sets' seeded 90/10 split of benchmarks/peers.py, IMDB's
official one). textclf's winner is chosen on validation; its test accuracy
is the one in the table. Results go to benchmarks/RESULTS.md (section
"tune") and tune.json. Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.peers import HERE, split_csv, timed
from benchmarks.results import merge_rows, write_section

BUDGETS = {"imdb": 600, "cr": 180, "mpqa": 180, "subj": 180}
FASTTEXT_EPOCHS = {"imdb": 10}  # sentence sets: 25, as in peers.py


def commands(data_set: str, data: dict, folder: Path) -> dict[str, list[str]]:
    budget = BUDGETS[data_set]
    if data_set == "imdb":
        tune_data, peer_data = [data["imdb"]], ["--imdb", data["imdb"]]
    else:
        train, test = data[data_set]
        tune_data = [str(train), "--set", f"data.test_path={test}"]
        peer_data = ["--train", str(train), "--test", str(test)]
    baseline = [sys.executable, str(HERE / "peer_baselines.py")]
    return {
        "textclf tune": ["textclf", "tune", *tune_data, "--budget", f"{budget}s", "--output-dir", str(folder)],
        "fastText autotune": [*baseline, "fasttext", *peer_data, "--autotune", str(budget)],
        "fastText bigrams": [*baseline, "fasttext", *peer_data, "--epochs", str(FASTTEXT_EPOCHS.get(data_set, 25))],
        "TF-IDF + LR": [*baseline, "sklearn", *peer_data],
    }


def accuracy_of(system: str, out: str) -> float:
    if system == "textclf tune":
        run_dir = Path(out.strip().splitlines()[-1])
        return json.loads((run_dir / "metrics.json").read_text())["test_accuracy"]
    return json.loads(out.strip().splitlines()[-1])["accuracy"]


def table(rows: list[dict]) -> str:
    lines = ["| data | budget s | textclf tune: test acc (wall s) | fastText autotune (wall s) | fastText bigrams "
             "| TF-IDF + LR | tune − best peer (points) | measured |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        systems = row["systems"]
        peers = max(systems[name]["accuracy"] for name in systems if name != "textclf tune")
        ours = systems["textclf tune"]
        lines.append(
            f"| {row['data']} | {row['budget']} | {ours['accuracy']:.4f} ({ours['wall']:.0f}) "
            f"| {systems['fastText autotune']['accuracy']:.4f} ({systems['fastText autotune']['wall']:.0f}) "
            f"| {systems['fastText bigrams']['accuracy']:.4f} | {systems['TF-IDF + LR']['accuracy']:.4f} "
            f"| {100 * (ours['accuracy'] - peers):+.2f} | {row.get('measured_at', '')} |")
    margins = [100 * (r["systems"]["textclf tune"]["accuracy"] - max(v["accuracy"] for k, v in r["systems"].items()
                                                                      if k != "textclf tune")) for r in rows]
    overruns = [r["systems"]["textclf tune"]["wall"] / r["budget"] for r in rows]
    lines.append(f"\nMean margin over the best peer: {sum(margins) / len(margins):+.2f} points; textclf tune's whole "
                 f"process took {min(overruns):.2f}–{max(overruns):.2f}× its budget (TensorFlow import included).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", help="aclImdb folder or .tar.gz")
    parser.add_argument("--sentences", help="folder holding cr.csv, mpqa.csv, subj.csv")
    parser.add_argument("--sets", nargs="*", default=["cr", "mpqa", "subj", "imdb"])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        data: dict = {"imdb": args.imdb}
        for name in (s for s in args.sets if s != "imdb"):
            data[name] = split_csv(Path(args.sentences) / f"{name}.csv", Path(folder))
        for data_set in args.sets:
            systems = {}
            for name, command in commands(data_set, data, Path(folder) / data_set).items():
                wall, rss, out = timed(command)
                systems[name] = {"wall": wall, "rss": rss, "accuracy": accuracy_of(name, out)}
                print(f"{data_set} {name}: {systems[name]['accuracy']:.4f} in {wall:.0f} s", file=sys.stderr,
                      flush=True)
            rows.append({"data": data_set, "budget": BUDGETS[data_set], "systems": systems,
                         "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    rows = merge_rows(HERE / "tune.json", rows, "data", ["cr", "mpqa", "subj", "imdb"])
    body = " ".join(__doc__.split("\n\n")[2].split()) + "\n\n" + table(rows)
    write_section("tune", "textclf tune against fastText's autotune and TF-IDF + LR, equal budgets", body)
    print(table(rows))


if __name__ == "__main__":
    main()

"""textclf against the baselines a user would try first, whole processes from raw data to a test score.

    python -m benchmarks.peers --imdb ../shared/data/aclImdb_labeled.tar.gz \
        --sentences ../shared/data/sentences [--runs 3] [--sets imdb cr mpqa subj]

Every system is one process: reading the raw files, learning features,
training and scoring the test split (textclf: ``textclf train``, TensorFlow
import included). Runs take turns, the order rotating each round, so that
all systems meet the same machine; the table reports median wall time,
median peak RSS and the test accuracy. IMDB uses its official split; each
sentence set a seeded 90/10 split, written once and read by every system.
Results go to benchmarks/RESULTS.md (section "peers") and peers.json.
Needs the ``bench`` extra (fastText, scikit-learn).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.results import merge_rows, write_section

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SEED = 42
# textclf configs per data set; "recommended" is the one the README tells a user with a new CSV to try first.
IMDB_CONFIGS = ["nbsvm", "embedding_bag"]
SENTENCE_CONFIGS = ["recommended"]
FASTTEXT_EPOCHS = {"imdb": 10}  # sentence sets: 25


def split_csv(source: Path, folder: Path) -> tuple[Path, Path]:
    """A seeded 90/10 split of ``source`` into train.csv and test.csv."""
    with open(source, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    order = np.random.default_rng(SEED).permutation(len(rows))
    cut = int(round(len(rows) * 0.9))
    paths = folder / f"{source.stem}-train.csv", folder / f"{source.stem}-test.csv"
    for path, picks in zip(paths, (order[:cut], order[cut:]), strict=True):
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=["text", "label"])
            writer.writeheader()
            writer.writerows({"text": rows[i]["text"], "label": rows[i]["label"]} for i in picks)
    return paths


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and stdout of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, out


def commands(data_set: str, data: dict, output_dir: Path) -> dict[str, list[str]]:
    """The command line of every system on one data set."""
    if data_set == "imdb":
        source, configs, peer_data = ["--data", data["imdb"]], IMDB_CONFIGS, ["--imdb", data["imdb"]]
    else:
        train, test = data[data_set]
        source = ["--data", str(train), "--set", "data.source=csv", "--set", f"data.test_path={test}"]
        configs, peer_data = SENTENCE_CONFIGS, ["--train", str(train), "--test", str(test)]
    systems = {f"textclf {config}": ["textclf", "train", str(ROOT / "configs" / f"{config}.yaml"), *source,
                                     "--output-dir", str(output_dir)] for config in configs}
    baseline = [sys.executable, str(HERE / "peer_baselines.py")]
    systems["fastText"] = [*baseline, "fasttext", *peer_data, "--epochs", str(FASTTEXT_EPOCHS.get(data_set, 25))]
    systems["TF-IDF + LR"] = [*baseline, "sklearn", *peer_data]
    return systems


def accuracy_of(system: str, out: str) -> float:
    if system.startswith("textclf"):
        run_dir = Path(out.strip().splitlines()[-1])
        return json.loads((run_dir / "metrics.json").read_text())["test_accuracy"]
    return json.loads(out.strip().splitlines()[-1])["accuracy"]


def measure(data_set: str, systems: dict[str, list[str]], runs: int) -> list[dict]:
    """Each system ``runs`` times, in turns whose order rotates."""
    names = list(systems)
    seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    for turn in range(runs):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            wall, rss, out = timed(systems[name])
            seen[name].append((wall, rss, accuracy_of(name, out)))
            print(f"{data_set} {name}: {wall:.1f} s, {rss:,.0f} MiB, accuracy {seen[name][-1][2]:.4f}",
                  file=sys.stderr, flush=True)
    return [{"data": data_set, "system": name, "walls": [w for w, _, _ in seen[name]],
             "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
             "wall": statistics.median(w for w, _, _ in seen[name]),
             "rss": statistics.median(r for _, r, _ in seen[name]),
             "accuracy": statistics.median(a for _, _, a in seen[name])} for name in names]


def table(rows: list[dict]) -> str:
    lines = ["| data | system | median wall s (runs) | × fastText | peak RSS MiB | test accuracy | measured |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        fasttext = next(r for r in rows if r["data"] == row["data"] and r["system"] == "fastText")
        walls = ", ".join(f"{w:.1f}" for w in row["walls"])
        lines.append(f"| {row['data']} | {row['system']} | {row['wall']:.1f} ({walls}) | "
                     f"{row['wall'] / fasttext['wall']:.2f}× | {row['rss']:,.0f} | {row['accuracy']:.4f} "
                     f"| {row.get('measured_at', '2026-11-30 04:00 UTC')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", help="aclImdb folder or .tar.gz")
    parser.add_argument("--sentences", help="folder holding cr.csv, mpqa.csv, subj.csv")
    parser.add_argument("--sets", nargs="*", default=["imdb", "cr", "mpqa", "subj"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        data: dict = {"imdb": args.imdb}
        for name in (s for s in args.sets if s != "imdb"):
            data[name] = split_csv(Path(args.sentences) / f"{name}.csv", Path(folder))
        for data_set in args.sets:
            rows += measure(data_set, commands(data_set, data, Path(folder) / "runs"), args.runs)
    rows = merge_rows(HERE / "peers.json", rows, "data", ["imdb", "cr", "mpqa", "subj"])
    write_section("peers", "textclf against fastText and scikit-learn, whole processes", __doc__.split("\n\n")[2]
                  .replace("\n", " ") + "\n\n" + table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()

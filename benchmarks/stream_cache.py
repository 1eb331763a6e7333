"""A streamed run with ``data.cache``: epochs, and later runs, read vectorized blocks instead of the text.

    python -m benchmarks.stream_cache --imdb ../shared/data/aclImdb_labeled.tar.gz \
        --tool ../shared/tools/make_big_csv.py [--rows 100000] [--configs nbsvm dense_bow lstm] [--epochs 3]

``make_big_csv.py`` writes an N-row CSV once; each config then trains on it
with ``data.stream: true`` (early stopping off, so every run trains all its
epochs) three ways, as whole processes: without the cache; with ``data.cache``
in an empty output folder (the run vectorizes each split once, into blocks,
and reads its epochs from them); and again in that folder (the run reuses the
vocabulary and the blocks). The three take turns, the uncached run's place
rotating each round. Reported: median wall seconds, peak RSS, test accuracy,
and whether the output said the blocks were reused. Results go to
benchmarks/RESULTS.md (section "stream cache") and stream_cache.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.peers import timed
from benchmarks.results import markdown_table, merge_rows, write_section

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
WAYS = ("no cache", "cache, first run", "cache, second run")


def run(csv: Path, config: str, epochs: int, output_dir: Path, cached: bool) -> dict:
    command = ["textclf", "train", str(ROOT / "configs" / f"{config}.yaml"), "--set", "data.source=csv",
               "--data", str(csv), "--set", "data.stream=true", "--set", f"train.epochs={epochs}",
               "--set", "train.early_stopping.enabled=false", "--set", f"data.cache={str(cached).lower()}",
               "--output-dir", str(output_dir)]
    wall, rss, out = timed(command)
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    return {"wall": wall, "rss": rss, "accuracy": metrics["test_accuracy"], "reused": "reused from" in out}


def measure(csv: Path, rows: int, config: str, epochs: int, rounds: int, scratch: Path) -> list[dict]:
    runs: dict[str, list[dict]] = {way: [] for way in WAYS}
    for turn in range(rounds):
        folder = scratch / f"{config}-{turn}"
        ways = [(WAYS[1], folder, True), (WAYS[2], folder, True)]
        ways.insert(turn % 3, (WAYS[0], scratch / f"{config}-{turn}-plain", False))
        for way, output_dir, cached in ways:
            runs[way].append(run(csv, config, epochs, output_dir, cached))
            print(f"{config} {way}: {runs[way][-1]}", file=sys.stderr, flush=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return [{"key": f"{config}-{rows}-{epochs}-{way}", "config": config, "rows": rows, "epochs": epochs, "way": way,
             "walls": [r["wall"] for r in found], "wall": statistics.median(r["wall"] for r in found),
             "rss": statistics.median(r["rss"] for r in found), "accuracy": found[-1]["accuracy"],
             "reused": all(r["reused"] for r in found), "measured_at": when} for way, found in runs.items()]


def table(rows: list[dict]) -> str:
    header = ["config", "rows, epochs", "run", "median wall s (runs)", "× no cache", "peak RSS MiB", "test accuracy",
              "blocks reused", "measured"]
    plain = {(r["config"], r["rows"], r["epochs"]): r["wall"] for r in rows if r["way"] == WAYS[0]}
    return markdown_table(header, [[
        r["config"], f"{r['rows']:,}, {r['epochs']}", r["way"],
        f"{r['wall']:.1f} ({', '.join(f'{w:.1f}' for w in r['walls'])})",
        f"{r['wall'] / plain[(r['config'], r['rows'], r['epochs'])]:.2f}×"
        if (r["config"], r["rows"], r["epochs"]) in plain else "-",
        f"{r['rss']:,.0f}", f"{r['accuracy']:.4f}", "yes" if r["reused"] else "no", r["measured_at"]] for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", required=True, help="aclImdb folder or .tar.gz")
    parser.add_argument("--tool", required=True, help="make_big_csv.py")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--configs", nargs="+", default=["nbsvm", "dense_bow", "lstm"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    measured = []
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / f"big-{args.rows}.csv"
        subprocess.run([sys.executable, args.tool, args.imdb, str(args.rows), str(csv)], check=True,
                       stdout=subprocess.DEVNULL)
        for config in args.configs:
            measured += measure(csv, args.rows, config, args.epochs, args.rounds, Path(folder))
    order = [f"{config}-{args.rows}-{args.epochs}-{way}" for config in args.configs for way in WAYS]
    rows = merge_rows(HERE / "stream_cache.json", measured, "key", order)
    write_section("stream cache", "Streamed runs with data.cache: vectorize once, read blocks",
                  " ".join(__doc__.split("\n\n")[1].split()) + "\n\n" + table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()

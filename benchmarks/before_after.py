"""textclf at an earlier commit against the working tree: the same training, in alternating turns.

    python -m benchmarks.before_after --commit 521078f --data ../shared/data/aclImdb_labeled.tar.gz [CONFIG ...]

For a change that should not move a number (a refactoring, a move of modules), the earlier commit
is checked out in a temporary git worktree and each config is trained by both trees, one after
the other, the order alternating each round, every run a whole ``python -m textclf train``
process (TensorFlow import and data reading included). Reported per tree: median wall time,
median seconds per epoch, test accuracy and peak memory, and the ratio of the medians. Results:
benchmarks/RESULTS.md (section "before_after") and before_after.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.results import markdown_table, merge_rows, write_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIGS = ("dense_bow", "nbsvm")


def train_once(tree: Path, config: str, data: str, out: Path) -> dict:
    """One whole ``textclf train`` process of ``tree``'s textclf: wall seconds and the run's metrics."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "textclf", "train", f"configs/{config}.yaml", "--data", data,
                           "--output-dir", str(out)], cwd=tree, env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{tree}: textclf train {config} failed:\n{done.stderr[-2000:]}")
    run = Path(done.stdout.strip().splitlines()[-1])
    metrics = json.loads(((run if run.is_absolute() else tree / run) / "metrics.json").read_text())
    return {"wall": wall, "epoch": metrics["seconds_per_epoch"], "accuracy": metrics["test_accuracy"],
            "rss": metrics.get("peak_rss_mib", 0.0)}


def compare(trees: dict[str, Path], config: str, data: str, rounds: int, scratch: Path) -> dict:
    """Both trees' runs of ``config``, taking turns; the medians of each, and after / before."""
    runs: dict[str, list[dict]] = {side: [] for side in trees}
    for turn in range(rounds):
        order = list(trees) if turn % 2 == 0 else list(trees)[::-1]
        for side in order:
            runs[side].append(train_once(trees[side], config, data, scratch / f"{config}-{side}-{turn}"))
            print(f"{config} {side} round {turn + 1}: {runs[side][-1]['wall']:.1f} s", flush=True)
    medians = {side: {key: statistics.median(run[key] for run in done) for key in ("wall", "epoch", "rss")}
               for side, done in runs.items()}
    return {"config": config, "runs": runs, "medians": medians,
            "ratio": medians["after"]["wall"] / medians["before"]["wall"]}


def table(rows: list[dict], commit: str) -> str:
    cells = []
    for row in rows:
        for side in ("before", "after"):
            walls = ", ".join(f"{run['wall']:.1f}" for run in row["runs"][side])
            median = row["medians"][side]
            ratio = f"**{row['ratio']:.2f}×**" if side == "after" else "1.00×"
            cells.append([row["config"], f"{side} ({row.get('commit', commit) if side == 'before' else 'tree'})",
                          f"{median['wall']:.1f} ({walls})", ratio, f"{median['epoch']:.2f}",
                          f"{row['runs'][side][0]['accuracy']:.4f}", f"{median['rss']:,.0f}", row["measured"]])
    return markdown_table(["config", "textclf", "median wall s (runs)", "× before", "s/epoch", "test accuracy",
                           "peak RSS MiB", "measured"], cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=list(CONFIGS))
    parser.add_argument("--commit", required=True, help="the earlier commit, e.g. the one before a refactoring")
    parser.add_argument("--data", required=True, help="aclImdb folder or .tar.gz")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = str(Path(args.data).resolve())
    with tempfile.TemporaryDirectory(prefix="textclf-before-") as scratch:
        before = Path(scratch) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), args.commit], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            rows = [compare({"before": before, "after": ROOT}, config, data, args.rounds, Path(scratch))
                    for config in args.configs]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True)
    measured = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = merge_rows(HERE / "before_after.json", [{**row, "commit": args.commit, "measured": measured}
                                                   for row in rows], "config", list(CONFIGS))
    write_section("before_after", f"Before and after a change: textclf at {args.commit} against the tree",
                  __doc__.split("\n\n", 2)[2].replace("\n", " ") + "\n\n" + table(rows, args.commit))


if __name__ == "__main__":
    main()

"""Time and memory as the data grows: one epoch of shipped configs on N-row IMDB-like CSVs.

    python -m benchmarks.scale --imdb ../shared/data/aclImdb_labeled.tar.gz --tool ../shared/tools/make_big_csv.py \
        [--rows 100000 1000000] [--configs nbsvm dense_bow lstm] [--mode memory|stream|auto]

For each row count, ``make_big_csv.py`` writes the CSV once (IMDB reviews
repeated with their sentences shuffled: its accuracy means nothing, copies
leak across splits), then each config trains one epoch on it as a whole
process (``textclf train CONFIG --set data.source=csv --data big.csv --set
train.epochs=1``), in memory (``data.stream: false``), streamed (``--mode
stream``: ``data.stream: true``), or as the config says by default (``--mode auto``:
``data.stream: auto``, which streams the larger table).
Reported: wall seconds, seconds per 100,000 rows, and peak RSS (the process
and the reader it forks), as ``/usr/bin/time -v`` would report them. Results
go to benchmarks/RESULTS.md (section "scale") and scale.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.peers import timed
from benchmarks.results import markdown_table, merge_rows, write_section

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


MODES = ("in memory", "streamed")
SUFFIXES = {"memory": "", "stream": "-streamed", "auto": "-auto"}


def measure(csv: Path, rows: int, config: str, output_dir: Path, mode: str) -> dict:
    """One whole process; ``mode`` memory or stream sets data.stream, auto leaves the config's default."""
    command = ["textclf", "train", str(ROOT / "configs" / f"{config}.yaml"), "--set", "data.source=csv",
               "--data", str(csv), "--set", "train.epochs=1", "--output-dir", str(output_dir),
               *([] if mode == "auto" else ["--set", f"data.stream={str(mode == 'stream').lower()}"])]
    wall, rss, out = timed(command)
    streamed = json.loads((Path(out.strip().splitlines()[-1]) / "run.json").read_text())["data"].get("streamed", False)
    return {"key": f"{config}-{rows}{SUFFIXES[mode]}", "config": config, "rows": rows,
            "mode": MODES[streamed] + (" (stream: auto)" if mode == "auto" else ""), "wall": wall, "rss": rss,
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def table(rows: list[dict]) -> str:
    header = ["config", "data", "rows", "wall s (one epoch, whole process)", "s per 100k rows", "peak RSS MiB",
              "measured"]
    return markdown_table(header, [[row["config"], row.get("mode", MODES[0]), f"{row['rows']:,}",
                                    f"{row['wall']:.1f}", f"{row['wall'] * 1e5 / row['rows']:.1f}",
                                    f"{row['rss']:,.0f}", row["measured_at"]] for row in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", required=True, help="aclImdb folder or .tar.gz")
    parser.add_argument("--tool", required=True, help="make_big_csv.py")
    parser.add_argument("--rows", nargs="+", type=int, default=[100_000])
    parser.add_argument("--configs", nargs="+", default=["nbsvm", "dense_bow", "lstm"])
    parser.add_argument("--mode", choices=list(SUFFIXES), default="memory",
                        help="data.stream false (memory), true (stream), or the default, auto")
    args = parser.parse_args()
    measured = []
    with tempfile.TemporaryDirectory() as folder:
        for count in args.rows:
            csv = Path(folder) / f"big-{count}.csv"
            subprocess.run([sys.executable, args.tool, args.imdb, str(count), str(csv)], check=True,
                           stdout=subprocess.DEVNULL)
            for config in args.configs:
                measured.append(measure(csv, count, config, Path(folder) / "runs", args.mode))
                print(table(measured[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            csv.unlink()
    order = [f"{config}-{count}{suffix}" for config in ["nbsvm", "dense_bow", "lstm", *args.configs]
             for suffix in SUFFIXES.values() for count in sorted({100_000, 1_000_000, *args.rows})]
    rows = merge_rows(HERE / "scale.json", measured, "key", order)
    write_section("scale", "Scale: one epoch on N-row CSVs", " ".join(__doc__.split("\n\n")[1].split()) + "\n\n"
                  + table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()

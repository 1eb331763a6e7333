"""Side by side: textclf against the hand-written Keras script, same models, same data.

    python -m benchmarks.speed --data ../shared/data/aclImdb_labeled.tar.gz [CONFIG_NAME ...]

For each shipped config, ``textclf train`` and ``reference_keras.py`` run one
after the other (the order alternates from config to config), each in its own
process; the machine is shared and noisy, so only ratios taken in one run mean
anything. Reported: seconds per epoch (median of the epochs after the first),
wall time of the whole command, peak memory (RSS), test accuracy, and bulk
prediction speed on the 25,000 test reviews (textclf from raw strings; the
reference ``model.predict`` on pre-padded arrays; timed in turns by
``predict_duel.py``). Results: benchmarks/RESULTS.md (section "speed") and
benchmarks/speed.json.
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

from benchmarks.predict_duel import PASSES, duel
from benchmarks.results import write_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIGS = ("dense_bow", "simple_rnn", "lstm", "gru", "bilstm")
EPOCH_LIMITS = {"dense_bow": 1.0, "simple_rnn": 0.55, "lstm": 0.55, "gru": 0.55, "bilstm": 0.8}


def measure(command: list[str], log: Path) -> tuple[float, float]:
    """Run ``command`` (output to ``log``); return its wall seconds and peak RSS in MiB."""
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out, open(log.with_suffix(".err"), "w", encoding="utf-8") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(command)}; see {log}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def steady_epoch_seconds(seconds: list[float]) -> float:
    """Median seconds per epoch after the first (which also traces and compiles)."""
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def _overrides(assignments: list[str]) -> list[str]:
    return [part for assignment in assignments for part in ("--set", assignment)]


def run_textclf(config: Path, data: str, work: Path, assignments: list[str]) -> dict:
    log = work / f"textclf-{config.stem}.log"
    command = ["textclf", "train", str(config), "--data", data, "--output-dir", str(work / "runs"),
               *_overrides(assignments)]
    wall, rss = measure(command, log)
    run_dir = Path(log.read_text(encoding="utf-8").strip().splitlines()[-1])
    with open(run_dir / "history.csv", newline="", encoding="utf-8") as handle:
        epoch_seconds = [float(row["epoch_seconds"]) for row in csv.DictReader(handle)]
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    return {"epoch_seconds": epoch_seconds, "wall_seconds": wall, "peak_rss_mib": rss,
            "test_accuracy": metrics["test_accuracy"], "run_dir": str(run_dir)}


def run_reference(config: Path, data: str, work: Path, assignments: list[str]) -> dict:
    out, checkpoint = work / f"reference-{config.stem}.json", work / f"reference-{config.stem}.keras"
    command = [sys.executable, str(HERE / "reference_keras.py"), str(config), "--data", data, "--out", str(out),
               "--checkpoint", str(checkpoint), *_overrides(assignments)]
    wall, rss = measure(command, work / f"reference-{config.stem}.log")
    result = json.loads(out.read_text(encoding="utf-8"))
    return {**result, "wall_seconds": wall, "peak_rss_mib": rss, "checkpoint": str(checkpoint)}


def startup_seconds() -> dict[str, float]:
    """Median wall seconds of ``--help`` and ``train --dry-run`` (neither imports TensorFlow)."""
    lstm = str(ROOT / "configs" / "lstm.yaml")
    commands = {"textclf --help": ["--help"], "textclf train configs/lstm.yaml --dry-run": ["train", lstm, "--dry-run"]}
    medians = {}
    for label, arguments in commands.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "textclf", *arguments], check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        medians[label] = statistics.median(times)
    return medians


def row(name: str, ours: dict, ref: dict) -> dict:
    epoch_ours, epoch_ref = steady_epoch_seconds(ours["epoch_seconds"]), steady_epoch_seconds(ref["epoch_seconds"])
    rate = {side: r["predict_examples"] / r["predict_seconds"] for side, r in (("ours", ours), ("ref", ref))}
    return {
        "config": name, "textclf": ours, "reference": ref,
        "epoch_ratio": epoch_ours / epoch_ref, "epoch_limit": EPOCH_LIMITS.get(name),
        "rss_ratio": ours["peak_rss_mib"] / ref["peak_rss_mib"],
        "accuracy_points": 100 * (ours["test_accuracy"] - ref["test_accuracy"]),
        "predict_ratio": rate["ours"] / rate["ref"], "predict_rates": rate,
        "epoch_medians": (epoch_ours, epoch_ref),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| config | s/epoch textclf | s/epoch reference | ratio (limit) | wall s textclf / ref "
        "| peak RSS MiB textclf / ref (ratio) | test acc textclf / ref (Δ points) "
        "| predict reviews/s textclf / ref (ratio) | measured |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours, ref = r["textclf"], r["reference"]
        lines.append(
            f"| {r['config']} | {r['epoch_medians'][0]:.1f} | {r['epoch_medians'][1]:.1f} "
            f"| **{r['epoch_ratio']:.2f}×** ({r['epoch_limit']}) "
            f"| {ours['wall_seconds']:.0f} / {ref['wall_seconds']:.0f} "
            f"| {ours['peak_rss_mib']:,.0f} / {ref['peak_rss_mib']:,.0f} ({r['rss_ratio']:.2f}×) "
            f"| {ours['test_accuracy']:.4f} / {ref['test_accuracy']:.4f} ({r['accuracy_points']:+.2f}) "
            f"| {r['predict_rates']['ours']:,.0f} / {r['predict_rates']['ref']:,.0f} ({r['predict_ratio']:.2f}×) "
            f"| {r.get('measured_at', '2026-11-23 15:50 UTC')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=list(CONFIGS))
    parser.add_argument("--data", required=True, help="aclImdb folder or .tar.gz")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override for both sides, e.g. data.limit=500 for a quick check")
    args = parser.parse_args()
    data = str(Path(args.data).resolve())
    startup = startup_seconds()
    rows = []
    with tempfile.TemporaryDirectory(prefix="textclf-speed-") as folder:
        work = Path(folder)
        for index, name in enumerate(args.configs):
            config = ROOT / "configs" / f"{name}.yaml"
            sides = [("ours", run_textclf), ("ref", run_reference)]
            order = sides if index % 2 == 0 else sides[::-1]
            results = {side: run(config, data, work, args.set) for side, run in order}
            timings = duel(Path(results["ours"]["run_dir"]), config, Path(results["ref"]["checkpoint"]), data,
                           args.set, work / f"predict-{name}.log")
            for side, timing in timings.items():
                results[side].update(timing)
            rows.append(row(name, results["ours"], results["ref"]))
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    if args.set:
        print(table(rows))
        return  # a quick check with overrides is not a result
    saved = HERE / "speed.json"
    rerun = {r["config"] for r in rows}  # rows of configs not rerun stay as they were measured, with their date
    kept = [r for r in json.loads(saved.read_text())["rows"] if r["config"] not in rerun] if saved.exists() else []
    rows = sorted(kept + rows, key=lambda r: list(CONFIGS).index(r["config"]) if r["config"] in CONFIGS else 99)
    saved.write_text(json.dumps({"startup": startup, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    body = (
        "Each config trained by `textclf train` and by `benchmarks/reference_keras.py` (the textbook script: "
        "`pad_sequences` to maxlen, `model.fit` on NumPy arrays, dense multi-hot rows for dense_bow), one after "
        "the other, order alternating; same reviews, split, vocabulary, architecture, optimizer and callbacks. "
        "s/epoch: median of the epochs after the first. Wall: the whole command, TensorFlow import and data "
        "reading included. Prediction: the 25,000 test reviews, textclf from raw strings "
        "(`textclf.results.predict.predict_texts`, vectorization included), the reference `model.predict` on the "
        "pre-padded arrays; each side in its own process after loading and a warm-up pass, the passes taking "
        f"turns (`benchmarks/predict_duel.py`), the fastest of {PASSES} each.\n\n" + table(rows) + "\n\nStart-up "
        "(median of 5, `python -m textclf`): "
        + "; ".join(f"`{label}` {seconds:.2f} s" for label, seconds in startup.items())
    )
    write_section("speed", "Speed: textclf against the hand-written Keras script", body)


if __name__ == "__main__":
    main()

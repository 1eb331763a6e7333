"""Bulk prediction, textclf against the reference script, timed in turns.

    python -m benchmarks.predict_duel RUN_DIR CONFIG REFERENCE_CHECKPOINT --data PATH

Two worker processes, one per side, load their model and the test reviews
(textclf: the raw strings; the reference: its pre-padded NumPy arrays) and
make one warm-up pass. Then the timed passes take turns, one side at a time
and the other idle, the order swapping every round, so that both sides meet
the same machine: on a shared machine whose speed drifts from minute to
minute, timings taken minutes apart compare the machine, not the code.
Each side's fastest pass counts, as ``timeit`` reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

PASSES = 5
REPLY = "duel:"  # the workers' protocol lines; anything else they print is not ours


def duel(run_dir: Path, config: Path, checkpoint: Path, data: str, assignments: list[str], log: Path,
         passes: int = PASSES) -> dict[str, dict]:
    """``{"ours"|"ref": {"predict_seconds", "predict_examples", "predict_passes"}}``: the fastest of
    ``passes`` turns each, and all of them."""
    overrides = [part for assignment in assignments for part in ("--set", assignment)]
    commands = {
        "ours": [sys.executable, __file__, "--worker", "ours", str(run_dir), "--data", data],
        "ref": [sys.executable, __file__, "--worker", "ref", str(config), str(checkpoint), "--data", data,
                *overrides],
    }
    with open(log, "w", encoding="utf-8") as errors:
        workers = {side: subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                          text=True) for side, command in commands.items()}
        try:
            examples = {side: int(_reply(worker, log)) for side, worker in workers.items()}
            seconds: dict[str, list[float]] = {side: [] for side in workers}
            for turn in range(passes):
                for side in (("ours", "ref") if turn % 2 == 0 else ("ref", "ours")):
                    workers[side].stdin.write("pass\n")
                    workers[side].stdin.flush()
                    seconds[side].append(float(_reply(workers[side], log)))
        finally:
            for worker in workers.values():
                worker.stdin.close()
                worker.wait()
    return {side: {"predict_seconds": min(seconds[side]), "predict_examples": examples[side],
                   "predict_passes": seconds[side]} for side in workers}


def _reply(worker: subprocess.Popen, log: Path) -> str:
    for line in worker.stdout:
        if line.startswith(REPLY):
            return line[len(REPLY):].strip()
    raise SystemExit(f"a prediction worker failed; see {log}")


def _ours(run_dir: str, data: str):
    from textclf.config import load_config
    from textclf.data.splits import load_corpus
    from textclf.results.loading import load_model
    from textclf.results.predict import predict_texts

    cfg = load_config(Path(run_dir) / "config.yaml", data_path=data)
    texts = [str(text) for text in load_corpus(cfg.data, cfg.seed).test.texts]
    model = load_model(Path(run_dir))
    return lambda: predict_texts(model, texts, batch_size=512), len(texts)


def _reference(config: str, checkpoint: str, data: str, assignments: list[str]):
    import keras
    from reference_keras import vectorize

    from textclf.config import load_config
    from textclf.data.splits import load_corpus

    cfg = load_config(config, assignments, data_path=data)
    *_, (x_test, _) = vectorize(cfg, load_corpus(cfg.data, cfg.seed))
    model = keras.models.load_model(checkpoint)
    return lambda: model.predict(x_test, batch_size=512, verbose=0), len(x_test)


def serve(predict, examples: int) -> None:
    """Warm up, then one timed pass per line read, its seconds printed."""
    predict()
    print(f"{REPLY}{examples}", flush=True)
    for _ in sys.stdin:
        started = time.perf_counter()
        predict()
        print(f"{REPLY}{time.perf_counter() - started}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="RUN_DIR CONFIG REFERENCE_CHECKPOINT")
    parser.add_argument("--data", required=True)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    parser.add_argument("--worker", choices=["ours", "ref"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = str(Path(args.data).resolve())
    if args.worker == "ours":
        serve(*_ours(args.paths[0], data))
    elif args.worker == "ref":
        serve(*_reference(args.paths[0], args.paths[1], data, args.set))
    else:
        run_dir, config, checkpoint = (Path(path) for path in args.paths)
        result = duel(run_dir, config, checkpoint, data, args.set, Path("predict_duel.log"))
        for side, timing in result.items():
            rate = timing["predict_examples"] / timing["predict_seconds"]
            print(f"{side}: {timing['predict_seconds']:.3f} s, {rate:,.0f} reviews/s")


if __name__ == "__main__":
    main()

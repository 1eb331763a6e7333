"""Which trials tune's default search starts with, judged by cross-validated ensemble selection on training rows.

    python -m benchmarks.pool_cv --sentences ../shared/data/sentences --suite ../shared/data/suite \
        [--sets cr mpqa ...] [--work DIR]

A trial is worth its time in ``configs/search/default.yaml``'s ``first`` list where the ensemble selection
picks it and the ensemble then predicts rows it did not choose on better. For each set of the visible suite
but IMDB (CR, MPQA, SUBJ: the training part of the peers' seeded 90/10 split; TweetEval emotion and hate,
Banking77: their train.csv), ``textclf tune`` runs the default space's first trials and the candidates below,
each on its 5 folds and to its end (no pruning), and keeps each trial's out-of-fold probabilities; 5 % of the
rows are its own test part, never read here. The selection (``tuning/selection.greedy``) is then
cross-validated over those out-of-fold rows: split 5 ways (3 seeds), chosen on four parts, scored on the fifth.
A pool's score is that accuracy, averaged; each pool is compared with the default's first trials alone, and
a candidate is worth adding where it lifts the mean over the sets by more than the standard error of that
mean. Trial seconds are what each trial took on this machine, all 5 folds. No test split is read. Results
go to benchmarks/RESULTS.md (section "pool-cv") and pool_cv.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from benchmarks.design_cv import training_rows, training_sets_parser
from benchmarks.peers import HERE, ROOT
from benchmarks.results import markdown_table, section_body, write_section
from textclf.tuning import selection

# candidate trials after the default's own first ones, as `first` entries of the search space
CANDIDATES = {
    "embedding_bag": {"model.type": "embedding_bag", "data.ngrams": 2, "data.vocab_size": 200000,
                      "model.embedding_dim": 16, "train.learning_rate": 0.008},  # configs/embedding_bag.yaml's
}
PARTS, SEEDS = 5, (0, 1, 2)


def pool_space(folder: Path) -> tuple[Path, list[dict]]:
    """The default space with the candidates appended to its first trials and pruning off; and the first
    trials, the default's then the candidates'."""
    space = yaml.safe_load((ROOT / "configs" / "search" / "default.yaml").read_text())
    types = space["search"]["space"]["model.type"]
    types += [c["model.type"] for c in CANDIDATES.values() if c["model.type"] not in types]
    space["search"]["first"] += list(CANDIDATES.values())
    space["search"]["prune_after"] = 100  # every trial to its end: a pruned trial keeps no held-out rows
    path = folder / "pool.yaml"
    path.write_text(yaml.safe_dump(space, sort_keys=False))
    return path, space["search"]["first"]


def label(first: dict) -> str:
    """A first trial's name in the table: its model type, and which shipped config's values it takes."""
    origin = {(0.02, "nbsvm"): "recommended.yaml", (0.002, "nbsvm"): "nbsvm.yaml", (0.02, "linear"): "linear.yaml"}
    config = origin.get((first["train.learning_rate"], first["model.type"]))
    return f"{first['model.type']} ({config}'s)" if config else first["model.type"]


def tuned(name: str, args, work: Path, space: Path, trials: int) -> Path:
    """The set's tune folder, run now unless a run before left every trial's held-out rows."""
    tune_dir = work / name / "tune-tune"
    if len(list((tune_dir / selection.HELD_OUT_DIR).glob("trial-*.npz"))) >= trials:
        return tune_dir
    train_csv = training_rows(name, args, work)
    subprocess.run(["textclf", "tune", str(space), "--set", f"data.path={train_csv}", "--set", "data.test_split=0.05",
                    "--trials", str(trials), "--budget", "60m", "--output-dir", str(work / name)],
                   check=True, stdout=subprocess.DEVNULL)
    return tune_dir


def cross_validated(pool: dict[int, np.ndarray], labels: np.ndarray) -> float:
    """The selection chosen on four parts of the rows, scored on the fifth; the mean over parts and seeds."""
    scores = []
    for seed in SEEDS:
        part = np.random.default_rng(seed).permutation(len(labels)) % PARTS
        for k in range(PARTS):
            chosen = selection.greedy({t: p[part != k] for t, p in pool.items()}, labels[part != k], "val_accuracy")
            mean = sum(w * pool[t][part == k] for t, w in chosen.weights.items())
            scores.append(selection.score(mean, labels[part == k], "val_accuracy"))
    return float(np.mean(scores))


def by_label(tune_dir: Path, firsts: list[dict]) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, float]]:
    """Each first trial's held-out probabilities and seconds, found by its values (not its number: a run
    before a change of the default's order keeps its use; a key the space does not search is left out of a
    trial's values), and the rows' labels."""
    rows = json.loads((tune_dir / "tune.json").read_text())["trials"]
    numbers = {label(first): next(row["trial"] for row in rows if all(row["values"].get(k, v) == v for k, v in
                                                                      first.items())) for first in firsts}
    pool, labels = selection.load_pool({name: selection.held_out_path(tune_dir, t) for name, t in numbers.items()})
    seconds = {name: next(row["seconds"] for row in rows if row["trial"] == t) for name, t in numbers.items()}
    return pool, labels, seconds


def set_row(name: str, tune_dir: Path, firsts: list[dict]) -> dict:
    """The set's cross-validated selection score for each pool; the trials keyed by their place in the
    first list (a tie goes to the earlier, as in tune)."""
    found, labels, seconds = by_label(tune_dir, firsts)
    names = [label(first) for first in firsts]
    pool = {names.index(trial): probabilities for trial, probabilities in found.items()}
    own = list(range(len(firsts) - len(CANDIDATES)))
    pools = {"default": own, **{f"+ {names[i]}": [*own, i] for i in range(len(own), len(firsts))},
             **{f"without {names[i]}": [t for t in own if t != i] for i in own}}
    return {"data": name, "scores": {p: cross_validated({t: pool[t] for t in ts}, labels) for p, ts in pools.items()},
            "singles": {names[t]: selection.score(pool[t], labels, "val_accuracy") for t in sorted(pool)},
            "seconds": seconds, "measured_at": time.strftime("%Y-%m-%d %H:%M UTC")}


def table(rows: list[dict]) -> str:
    pools = [p for p in rows[0]["scores"] if p != "default"]
    lines = []
    for pool in pools:
        differences = [100 * (row["scores"][pool] - row["scores"]["default"]) for row in rows]
        error = statistics.stdev(differences) / len(differences) ** 0.5 if len(differences) > 1 else 0.0
        cells = [f"{100 * row['scores']['default']:.2f} / {100 * row['scores'][pool]:.2f}" for row in rows]
        lines.append([pool, *cells, f"{statistics.mean(differences):+.2f} ± {error:.2f}"])
    for trial in rows[0]["seconds"]:  # what each costs, all 5 folds, and what it scores alone (held-out rows)
        lines.append([f"{trial}: seconds; accuracy alone", *(f"{row['seconds'][trial]:.0f} s; "
                                                             f"{100 * row['singles'][trial]:.2f}" for row in rows), ""])
    header = ["pool", *(f"{row['data']}: default / pool (CV accuracy of the selection, %)" for row in rows),
              "pool − default, suite mean ± its standard error (points)"]
    return markdown_table(header, lines)


def main() -> None:
    parser = training_sets_parser(__doc__)
    parser.add_argument("--work", help="folder for the tune runs, kept (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(args.work or temporary)
        work.mkdir(parents=True, exist_ok=True)
        space, firsts = pool_space(work)
        rows = []
        for name in args.sets:
            rows.append(set_row(name, tuned(name, args, work, space, len(firsts)), firsts))
            print(name, rows[-1]["scores"], file=sys.stderr, flush=True)
    (HERE / "pool_cv.json").write_text(json.dumps(rows, indent=1) + "\n")
    body = section_body(__doc__, table(rows))
    write_section("pool-cv", "Which trials the search starts with, by cross-validated ensemble selection", body)
    print(table(rows))


if __name__ == "__main__":
    main()

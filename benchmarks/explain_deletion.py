"""Do explanations find the words that matter? Deletion: remove a review's k most-contributing words, or k words
drawn at random, and measure how far the probability of the class it was predicted as falls.

    python -m benchmarks.explain_deletion --imdb ../shared/data/aclImdb_labeled.tar.gz --run nbsvm=RUN \
        --run lstm=RUN [--texts 200] [--ks 1 5 10]

The reviews are IMDB test reviews drawn at random (seed 1). Each is explained by `textclf explain`'s code for the
class the model predicts; its written words are ranked by their share of that class's score, and the top k are
deleted (every occurrence of those pieces of text), or k of its words drawn at random (seed 0). The drop is the
predicted class's probability before minus after; its mean over the reviews has a 95 % bootstrap interval
(2,000 resamples), and "top > random" is the share of reviews where deleting the top words costs more. For
integrated gradients the table also gives the completeness gap: |score − baseline − Σ contributions| over
|score − baseline|, median and 95th percentile. Results go to benchmarks/RESULTS.md (section "explain") and
explain.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import HERE
from benchmarks.results import markdown_table, merge_rows, section_body, write_section
from benchmarks.serve import reviews


def without(explanation, drop: set[int]) -> str:
    """The text with the written pieces at ``drop`` removed."""
    return "".join(piece for index, (piece, _) in enumerate(explanation.words) if index not in drop)


def interval(values: np.ndarray, rng) -> tuple[float, float]:
    means = [rng.choice(values, values.size).mean() for _ in range(2000)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def measure(model_name: str, run: Path, texts: list[str], ks: list[int], chunk: int = 20) -> dict:
    from textclf.explanation.explainer import Explainer
    from textclf.results.loading import load_model
    from textclf.results.predict import predict_texts

    model = load_model(run)
    explainer, rng = Explainer(model), np.random.default_rng(0)
    started, explanations = time.perf_counter(), []
    for start in range(0, len(texts), chunk):
        explanations += explainer.explain(texts[start:start + chunk])
    seconds = (time.perf_counter() - started) / len(texts)
    edited, kinds = [], []
    for explanation in explanations:
        words = [index for index, (_, value) in enumerate(explanation.words) if value is not None]
        ranked = sorted(words, key=lambda index: -explanation.words[index][1])
        for k in ks:
            edited += [without(explanation, set(ranked[:k])),
                       without(explanation, set(rng.choice(words, min(k, len(words)), replace=False).tolist()))]
            kinds += [("top", k), ("random", k)]
    after = predict_texts(model, edited)
    names = explainer.names
    drops: dict[tuple[str, int], list[float]] = {}
    for row, kind, explanation in zip(after, kinds, [e for e in explanations for _ in range(2 * len(ks))], strict=True):
        drops.setdefault(kind, []).append(explanation.probability - float(row[names.index(explanation.label)]))
    result = {"model": model_name, "method": explanations[0].method, "texts": len(texts),
              "seconds_per_text": seconds, "ks": {}}
    for k in ks:
        top, random_ = np.array(drops[("top", k)]), np.array(drops[("random", k)])
        result["ks"][str(k)] = {"top": float(top.mean()), "top_ci": interval(top, rng),
                                "random": float(random_.mean()), "random_ci": interval(random_, rng),
                                "top_beats_random": float(np.mean(top > random_))}
    gaps = [abs(e.gap) / abs(e.score - e.baseline) for e in explanations if abs(e.score - e.baseline) > 1e-6]
    result["gap_median"], result["gap_p95"] = float(np.median(gaps)), float(np.percentile(gaps, 95))
    return result


def table(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        for k, found in row["ks"].items():
            lines.append([row["model"], row["method"], str(row["texts"]), k,
                          f"**{found['top']:.3f}** [{found['top_ci'][0]:.3f}, {found['top_ci'][1]:.3f}]",
                          f"{found['random']:.3f} [{found['random_ci'][0]:.3f}, {found['random_ci'][1]:.3f}]",
                          f"{100 * found['top_beats_random']:.0f} %",
                          f"{row['gap_median']:.2g} / {row['gap_p95']:.2g}", f"{row['seconds_per_text']:.3f}"])
    return markdown_table(["model", "method", "reviews", "k", "drop, top k [95 % CI]", "drop, random k [95 % CI]",
                           "top > random", "completeness gap median / p95", "s per review"], lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", required=True)
    parser.add_argument("--run", action="append", required=True, help="MODEL=RUN_DIR")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--ks", type=int, nargs="*", default=[1, 5, 10])
    args = parser.parse_args()
    texts = reviews(args.imdb, args.texts, seed=1)
    rows = []
    for item in args.run:
        model, run = item.split("=", 1)
        rows.append(measure(model, Path(run), texts, args.ks))
        print(json.dumps(rows[-1]), flush=True)
    merged = merge_rows(HERE / "explain.json", rows, "model", [row["model"] for row in rows])
    body = section_body(__doc__, table(merged))
    write_section("explain", "Explanations: deleting the top-k words against k random words (IMDB)", body)
    print(table(merged))


if __name__ == "__main__":
    main()

"""A small multi-class corpus that textclf generates itself, for the README's worked example and the tests.

    python -m textclf.data.examples topics.csv [--rows 800] [--seed 0]
    python -m textclf.data.examples topics/ --layout directory

Short "news" sentences in four topics (sports, technology, food, travel), in
skewed shares (40/30/20/10 %), each with a few topic words among shared
filler words; a tenth of them carry a word of another topic as noise.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

TOPICS = {
    "sports": "match goal team coach season league striker referee tournament score".split(),
    "technology": "software chip startup laptop network robot battery app cloud processor".split(),
    "food": "recipe chef dinner bakery flavour kitchen menu spicy dessert restaurant".split(),
    "travel": "flight hotel beach passport island museum train luggage tourist journey".split(),
}
SHARES = {"sports": 0.4, "technology": 0.3, "food": 0.2, "travel": 0.1}
FILLER = "the a this new report says people city week after big local first more about".split()


def sentence(rng: random.Random, topic: str) -> str:
    words = [rng.choice(FILLER) for _ in range(rng.randint(6, 12))] + rng.sample(TOPICS[topic], 3)
    if rng.random() < 0.1:
        words.append(rng.choice(TOPICS[rng.choice([t for t in TOPICS if t != topic])]))
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def examples(rows: int, seed: int = 0) -> list[tuple[str, str]]:
    """(text, topic) pairs, ``rows`` in all, topics in the skewed shares, in random order."""
    rng = random.Random(seed)
    pairs = [(sentence(rng, topic), topic) for topic, share in SHARES.items() for _ in range(round(rows * share))]
    rng.shuffle(pairs)
    return pairs


def write_csv(path: Path, rows: int = 800, seed: int = 0) -> Path:
    """A ``text,topic`` CSV file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "topic"])
        writer.writerows(examples(rows, seed))
    return path


def write_directory(root: Path, rows: int = 800, seed: int = 0) -> Path:
    """``root/<topic>/<n>.txt``: the layout of ``keras.utils.text_dataset_from_directory``."""
    root = Path(root)
    for index, (text, topic) in enumerate(examples(rows, seed)):
        (root / topic).mkdir(parents=True, exist_ok=True)
        (root / topic / f"{index}.txt").write_text(text, encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the four-topic example corpus.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--layout", choices=["csv", "directory"], default="csv")
    parser.add_argument("--rows", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    writer = write_csv if args.layout == "csv" else write_directory
    print(writer(args.path, args.rows, args.seed))


if __name__ == "__main__":
    main()

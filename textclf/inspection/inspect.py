"""``textclf inspect``: the data read as ``train`` reads it, then each check in turn, then the report.

A ladder of named steps: ``read`` (the config and the texts, splits included), ``keys`` (the texts as the
model sees them), ``shape``, ``exact`` and ``near`` duplicates, ``label_errors``, and ``write`` (report.json,
findings.csv, report.html, the clean copy). Each long step says so on stderr as it starts and ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textclf.config import Config, apply_override, declares_multi_label, load_config, read_yaml
from textclf.data import duplicates, splits
from textclf.errors import TextclfError
from textclf.features import text_keys
from textclf.inspection import clean_copy, findings, label_errors, near_duplicates, profile, report_page
from textclf.runs import rundir

if TYPE_CHECKING:
    from textclf.launch import InspectRequest as Request

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "inspect.yaml"
REPORT, FINDINGS, REPORT_JSON = "report.html", "findings.csv", "report.json"


@dataclass(frozen=True)
class Result:
    inspection: findings.Inspection
    counts: dict
    lines: list[str]
    found: list[dict]
    folder: Path
    clean: tuple[Path, int] | None  # the clean copy and its rows

    @property
    def leaked_or_conflicting(self) -> bool:
        """What ``--strict`` fails on: a text in train and in a held-out split, or under two labels."""
        return bool(self.counts["test_in_train"] or self.counts["validation_in_train"]
                    or self.counts["conflicting_texts"])


def read(request: Request) -> tuple[Config, splits.Corpus]:
    """The config and the texts, split as ``train`` splits them; held in memory, however large."""
    if request.config is None and not DEFAULT_CONFIG.is_file():
        raise TextclfError(f"{DEFAULT_CONFIG}: the default config is missing; pass --config CONFIG")
    overrides = ["data.stream=false", *request.overrides]
    if request.config is None and _declares_multi_label(DEFAULT_CONFIG, overrides):
        overrides.append("train.members=[]")  # the default's ensemble averages one label per text: its NBSVM alone
    cfg = load_config(request.config or DEFAULT_CONFIG, overrides, data_path=request.data)
    if cfg.data.stream:
        raise TextclfError("data.stream: inspect holds the texts in memory; inspect a sample of the rows")
    return cfg, splits.load_corpus(cfg.data, cfg.seed)


def _declares_multi_label(path: Path, overrides: list[str]) -> bool:
    raw = read_yaml(path)
    for assignment in overrides:
        apply_override(raw, assignment)
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    return declares_multi_label(data.get("task", "auto"), data.get("label_separator"))


def folder(request: Request, cfg: Config) -> Path:
    """The report's folder: ``--out``, new or empty (nothing a user made is replaced), or a new dated one."""
    if request.out is None:
        stem = Path(request.data.rstrip("/")).name.split(".")[0] or "data"
        return rundir.create_run_dir(cfg.output_dir, f"inspect-{stem}")
    out = Path(request.out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise TextclfError(f"--out: {out} is not an empty folder; inspect never replaces files: name a new one")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TextclfError(f"--out: cannot create {out} ({exc.strerror})") from None
    return out


def near(keys: dict[str, list[str]], threshold: float, note: Callable[[str], None]):
    """Near-duplicate groups as (split, index) rows, and each row's highest similarity within its group."""
    rows = [(split, index) for split in duplicates.SPLITS for index in range(len(keys[split]))]
    flat = [key for split in duplicates.SPLITS for key in keys[split]]
    started = time.monotonic()
    pairs = near_duplicates.pairs(flat, threshold)
    note(f"near-duplicates: {len(flat):,} texts compared in {time.monotonic() - started:.1f} s "
         f"(MinHash, Jaccard ≥ {threshold:g} over word {near_duplicates.SHINGLE_WORDS}-grams)")
    similarity: dict = {}
    for a, b, value in pairs:
        for row in (rows[a], rows[b]):
            similarity[row] = max(similarity.get(row, 0.0), value)
    return [[rows[i] for i in group] for group in near_duplicates.components(pairs)], similarity


def run(request: Request, note: Callable[[str], None]) -> Result:
    """Inspect the data; the report folder holds report.html, report.json and findings.csv."""
    if not 0 < request.near_threshold <= 1:
        raise TextclfError(f"--near: {request.near_threshold} is not a similarity in (0, 1]")
    cfg, corpus = read(request)
    out = folder(request, cfg)
    note(f"read {sum(len(getattr(corpus, s)) for s in duplicates.SPLITS):,} texts from {corpus.location}")
    keys = text_keys.split_keys(corpus, cfg.data.punctuation)
    exact = duplicates.groups(keys, {name: getattr(corpus, name).labels for name in duplicates.SPLITS})
    near_groups, similarity = near(keys, request.near_threshold, note)
    issues = None
    if request.label_errors:
        issues = label_errors.find(corpus, label_errors.out_of_fold(cfg, corpus, request.folds, note))
    inspection = findings.Inspection(corpus, profile.profile(corpus, keys, cfg.data.maxlen), exact, near_groups,
                                     similarity, issues)
    return write(request, cfg, inspection, out)


def write(request: Request, cfg: Config, inspection: findings.Inspection, out: Path) -> Result:
    counts = findings.summary(inspection)
    lines = findings.advice(counts, inspection.shape, cfg.model.input_kind == "sequence")
    found = findings.rows(inspection)
    rundir.write_json(out / REPORT_JSON, {"data": inspection.shape["location"], "config": cfg.name,
                                          "counts": counts, "advice": lines, "shape": inspection.shape})
    findings.write_csv(out / FINDINGS, found)
    rundir.write_atomic(out / REPORT, report_page.page(inspection, counts, lines, found, top=50))
    clean = None
    if request.write_clean is not None:
        clean = (request.write_clean, clean_copy.write(request.write_clean, inspection.corpus, inspection.exact,
                                                       cfg.data))
    return Result(inspection, counts, lines, found, out, clean)

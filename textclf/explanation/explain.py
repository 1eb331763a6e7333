"""``textclf explain``: a run's explanations of texts, or its classes' strongest terms, and the HTML page."""

from __future__ import annotations

from pathlib import Path

from textclf.errors import TextclfError
from textclf.explanation import rendering
from textclf.explanation.attribution import Explanation
from textclf.explanation.explainer import STEPS, Explainer
from textclf.files import write_new_text
from textclf.results import loading


def explainer_of(run_dir: Path, steps: int = STEPS) -> Explainer:
    return Explainer(loading.load_model(run_dir), steps)


def explain_run(run_dir: Path, texts: list[str], label: str | None = None, steps: int = STEPS) -> list[Explanation]:
    """Each text's explanation by the run's model, for ``label`` or its most probable class."""
    if not texts:
        raise TextclfError("explain: give TEXT arguments or --text TEXT (or --global)")
    return explainer_of(run_dir, steps).explain(texts, label)


def write_page(path: Path, explanations: list[Explanation], run_dir: Path) -> Path:
    """The shaded texts as one HTML page at ``path``, a new file: never one the user has."""
    write_new_text(path, rendering.page(explanations, f"textclf explain: {Path(run_dir).name}"), "--html")
    return path

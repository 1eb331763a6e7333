"""The run a server serves: its model loaded once and warmed up, its metadata, predictions as JSON-ready rows.

Everything a request needs that does not change between requests is settled here, at start-up, where a
folder that is not a run or a damaged model is one line and exit 2 (``results.loading``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textclf.errors import TextclfError
from textclf.explanation.explainer import Explainer
from textclf.results import loading
from textclf.results.predict import label_predictions, predict_texts
from textclf.runs import rundir
from textclf.version import stack_versions


def clean(text: str) -> str:
    """A text as TensorFlow can take it: JSON allows lone UTF-16 surrogates ("\\ud800"), UTF-8 does not."""
    return text.encode("utf-8", "replace").decode("utf-8")


class ServedModel:
    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.model = loading.load_model(self.run_dir)
        self.names = loading.class_names(self.run_dir, self.model)
        self.thresholds = loading.thresholds_of(self.model)
        self.name = self.run_dir.name
        self.metadata = self._metadata()
        self._explainer, self._refusal = self._explainer_or_refusal()
        self.probabilities(["warm up", ""])  # trace the model's functions before the first request

    def _explainer_or_refusal(self) -> tuple[Explainer | None, str | None]:
        """Built once, at start-up: requests then never race to build it, nor block the server doing so."""
        try:
            return Explainer(self.model), None
        except TextclfError as exc:  # an ensemble
            return None, str(exc)

    def _metadata(self) -> dict:
        cfg = rundir.read_config(self.run_dir)
        metrics_path = self.run_dir / rundir.METRICS_FILE
        metrics = rundir.read_json(metrics_path) if metrics_path.is_file() else {}
        return {"name": self.name, "model_type": cfg.model.type, "class_names": self.names,
                "task": "multi_label" if self.thresholds is not None else "single_label",
                "thresholds": self.thresholds,
                "test_metrics": {key: value for key, value in metrics.items()
                                 if key.startswith("test_") and isinstance(value, (int, float))},
                "calibration": metrics.get("calibration"), "config": cfg.model_dump(mode="json"),
                "versions": stack_versions()}

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return predict_texts(self.model, texts)

    def rows(self, texts: list[str], probabilities: np.ndarray, top_k: int) -> list[dict]:
        """Each text's label, probability, every class's probability and the top ``top_k`` (multi-label: every
        label above its stored threshold, under ``labels``)."""
        rows = []
        for found in label_predictions(texts, probabilities, self.names, top_k, thresholds=self.thresholds):
            row = {"label": found.label, "probability": found.probability, "probabilities": found.probabilities,
                   "top": [{"label": name, "probability": value} for name, value in found.top]}
            if found.labels is not None:
                row["labels"] = [{"label": name, "probability": value} for name, value in found.labels]
            rows.append(row)
        return rows

    def tf_serving_rows(self, probabilities: np.ndarray) -> list[dict]:
        """The exported SavedModel's outputs in TF Serving's row format (``results.export.serving_function``)."""
        rows = []
        for row in probabilities:
            found = {"probabilities": row.tolist(), "class_names": self.names}
            if self.thresholds is not None:
                found["labels_applied"] = [int(p > t) for p, t in zip(row, self.thresholds, strict=True)]
                found["thresholds"] = self.thresholds
            else:
                found["label"] = self.names[int(np.argmax(row))]
            rows.append(found)
        return rows

    def explanations(self, texts: list[str], probabilities: np.ndarray) -> list[dict]:
        """Each text's explanation of its most probable class, as ``explain --json`` gives it."""
        return [found.to_dict(top=10) for found in self._explainer.explain(texts, probabilities=probabilities)]

    def explanation_refusal(self) -> str | None:
        """Why this model cannot be explained (an ensemble), or None."""
        return self._refusal

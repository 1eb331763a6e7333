"""The results stage: what a trained model is used for: loading, predicting, scoring, pictures, export.

``loading`` opens a saved model safely; ``predict`` labels raw texts;
``scores`` and ``multi_label`` compute metrics that ``evaluate`` reports;
``plots`` and ``marks`` draw runs; ``export`` writes a SavedModel.
"""

"""Why a model said what it said: each word's (or n-gram's) contribution to a class's score.

Exact for the bag models that are linear in their bag (nbsvm, linear, embedding_bag); integrated gradients
for the rest (over the bag's values for dense_bow and bow_ngram, over the token embeddings for the sequence
models). ``explain``, ``serve``'s ``/v1/predict`` and its web page all use ``explainer.Explainer``.
"""

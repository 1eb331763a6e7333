"""The features stage: texts become what a network reads, bag vectors or token sequences.

``inputs`` says which input kind a model takes; ``bag_input`` and
``sequence_input`` own everything particular to each (vectorizer, batching,
serving layer, prediction). The vocabulary is learned in ``featurize``
(counting in ``counting``, character n-grams in ``char_ngrams``, n-gram tables
in ``ngram_bags``) and kept inside Keras' vectorizer (``vocabulary_table``);
``text_layers`` are the preprocessing layers saved inside every model.
"""

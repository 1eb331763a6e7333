"""The data stage: labeled texts read from the IMDB archive, class folders or tables, and split.

``splits.load_corpus`` is the entry: it reads the configured source
(``sources``, ``tables``, ``label_sets``; all gather through ``labeled``) or
scans it as a stream (``stream``), and splits it into train, validation and
test. Pure Python and NumPy, but for the datasets a stream hands to Keras.
"""

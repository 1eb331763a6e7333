"""Model builders, one per ``model.type``, and the end-to-end raw-text wrapper.

Each builder takes the vocabulary size and number of classes (computed from
the data) plus its own config fields by name, and returns an uncompiled
``keras.Model`` over vectorized input.
"""

from __future__ import annotations

from functools import partial

import keras
from keras import layers

from textclf.config import DataConfig
from textclf.errors import TextclfError
from textclf.layers import SequencePadding


def _classifier_head(num_classes: int) -> layers.Layer:
    """One sigmoid unit for two classes, a softmax over classes otherwise."""
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", dtype="float32", name="predictions")
    return layers.Dense(num_classes, activation="softmax", dtype="float32", name="predictions")


def _token_input() -> keras.KerasTensor:
    return keras.Input(shape=(None,), dtype="int32", name="token_ids")


def build_dense_bow(*, vocab_size, num_classes, hidden_units, dropout) -> keras.Model:
    """The classic Keras IMDB model: bag-of-words vector → Dense(16) → Dense(16) → output."""
    inputs = keras.Input(shape=(vocab_size,), name="bag_of_words")
    x = inputs
    for units in hidden_units:
        x = layers.Dense(units, activation="relu")(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name="dense_bow")


def build_recurrent(
    layer_class,
    *,
    vocab_size,
    num_classes,
    embedding_dim,
    units,
    num_layers,
    bidirectional,
    dropout,
    recurrent_dropout,
    mask_zero,
) -> keras.Model:
    """Embedding → ``num_layers`` stacked recurrent layers of ``layer_class`` → output."""
    inputs = _token_input()
    x = layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero, name="embedding")(inputs)
    for index in range(num_layers):
        recurrent = layer_class(
            units,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            return_sequences=index < num_layers - 1,
        )
        x = layers.Bidirectional(recurrent)(x) if bidirectional else recurrent(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name=layer_class.__name__.lower())


def build_conv1d_bilstm(
    *, vocab_size, num_classes, embedding_dim, dropout, filters, kernel_size, pool_size, lstm_units
) -> keras.Model:
    """Embedding → Dropout → Conv1D → MaxPooling1D → BiLSTMs with dropout → output."""
    inputs = _token_input()
    x = layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters, kernel_size, activation="relu", padding="same")(x)
    x = layers.MaxPooling1D(pool_size, padding="same")(x)
    for index, units in enumerate(lstm_units):
        last = index == len(lstm_units) - 1
        x = layers.Bidirectional(layers.LSTM(units, return_sequences=not last))(x)
        if not last:
            x = layers.Dropout(dropout)(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name="conv1d_bilstm")


REGISTRY = {
    "dense_bow": build_dense_bow,
    "simple_rnn": partial(build_recurrent, layers.SimpleRNN),
    "lstm": partial(build_recurrent, layers.LSTM),
    "gru": partial(build_recurrent, layers.GRU),
    "conv1d_bilstm": build_conv1d_bilstm,
}


def build(model_cfg, *, vocab_size: int, num_classes: int) -> keras.Model:
    """Build the model that ``model_cfg.type`` names."""
    builder = REGISTRY.get(model_cfg.type)
    if builder is None:
        raise TextclfError(f"model.type: unknown model type {model_cfg.type!r}; valid types: {', '.join(REGISTRY)}")
    params = model_cfg.model_dump(exclude={"type"})
    return builder(**params, vocab_size=vocab_size, num_classes=num_classes)


def end_to_end(vectorizer, model: keras.Model, data_cfg: DataConfig, input_kind: str) -> keras.Model:
    """Raw strings in, probabilities out: the vectorizer and padding live inside the model."""
    texts = keras.Input(shape=(), dtype="string", name="text")
    x = vectorizer(texts)
    if input_kind == "sequence":
        x = SequencePadding(data_cfg.maxlen, data_cfg.padding, data_cfg.truncating, name="padding")(x)
    outputs = model(x)
    return keras.Model(texts, outputs, name=f"{model.name}_end_to_end")

"""Model builders, one per ``model.type``, and the end-to-end raw-text wrapper.

Each builder takes the vocabulary size and number of classes (computed from
the data) plus its own config fields by name, and returns an uncompiled
``keras.Model`` over vectorized input: token ids for the sequence models, a
bag as (ids, values) of its non-zero entries for the bag models.
"""

from __future__ import annotations

from functools import partial

import keras
from keras import layers

from textclf.config import DataConfig
from textclf.errors import TextclfError
from textclf.head import Head
from textclf.layers import BagDense, BagIds, NaiveBayesLinear, PaddingMask, PositionEncoding, SequencePadding
from textclf.text_model import TextModel


def _classifier_head(num_classes: int) -> layers.Layer:
    """The output layer the head decides (one sigmoid unit, or a softmax over the classes)."""
    return Head(num_classes).output_layer()


def _token_input() -> keras.KerasTensor:
    return keras.Input(shape=(None,), dtype="int32", name="token_ids")


def _bag_inputs() -> list[keras.KerasTensor]:
    """A bag vector as the ids of its non-zero entries and their values (see ``layers.BagDense``)."""
    return [keras.Input(shape=(None,), dtype="int32", name="bag_ids"),
            keras.Input(shape=(None,), dtype="float32", name="bag_values")]


def _embedding(vocab_size, embedding_dim, embedding_trainable, mask_zero=False) -> layers.Embedding:
    """The token table, named ``embedding`` so that pretrained vectors can be loaded into it."""
    return layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero, trainable=embedding_trainable,
                            name="embedding")


def build_bag_mlp(*, vocab_size, num_classes, hidden_units, dropout, input_dropout=0.0, name) -> keras.Model:
    """Bag-of-words (or n-grams) vector → Dense layers → output: the Keras book's IMDB model.

    ``input_dropout`` zeroes whole features (n-grams) of each training example.
    """
    ids, values = inputs = _bag_inputs()
    if input_dropout:
        values = layers.Dropout(input_dropout, name="feature_dropout")(values)
    x = BagDense(vocab_size, hidden_units[0], activation="relu", name="bag_dense")([ids, values])
    if dropout:
        x = layers.Dropout(dropout)(x)
    for units in hidden_units[1:]:
        x = layers.Dense(units, activation="relu")(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name=name)


def build_nbsvm(*, vocab_size, num_classes, alpha, nb_weight) -> keras.Model:
    """Binarized n-gram bag → ``NaiveBayesLinear`` → sigmoid / softmax.

    ``alpha`` smooths the log-count ratios, which ``train`` computes from the
    training split (``data.log_count_ratios``) and sets after building.
    """
    del alpha
    inputs = _bag_inputs()
    head = Head(num_classes)
    logits = NaiveBayesLinear(vocab_size, head.units, nb_weight, name="nb_linear")(inputs)
    outputs = layers.Activation(head.activation, dtype="float32", name="predictions")(logits)
    return keras.Model(inputs, outputs, name="nbsvm")


def build_embedding_bag(*, vocab_size, num_classes, embedding_dim, embedding_trainable, dropout) -> keras.Model:
    """fastText (Joulin et al., 2016): the mean of the token and n-gram embeddings → output."""
    inputs = _bag_inputs()
    x = BagDense(vocab_size, embedding_dim, use_bias=False, combiner="mean", kernel_initializer="uniform",
                 trainable=embedding_trainable, name="embedding")(inputs)
    if dropout:
        x = layers.Dropout(dropout)(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name="embedding_bag")


def build_recurrent(
    layer_class,
    *,
    vocab_size,
    num_classes,
    embedding_dim,
    embedding_trainable,
    units,
    num_layers,
    bidirectional,
    dropout,
    recurrent_dropout,
    mask_zero,
) -> keras.Model:
    """Embedding → ``num_layers`` stacked recurrent layers of ``layer_class`` → output."""
    inputs = _token_input()
    x = _embedding(vocab_size, embedding_dim, embedding_trainable, mask_zero)(inputs)
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
    *, vocab_size, num_classes, embedding_dim, embedding_trainable, dropout, filters, kernel_size, pool_size,
    lstm_units,
) -> keras.Model:
    """Embedding → Dropout → Conv1D → MaxPooling1D → BiLSTMs with dropout → output."""
    inputs = _token_input()
    x = _embedding(vocab_size, embedding_dim, embedding_trainable)(inputs)
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


def build_cnn(
    *, vocab_size, num_classes, embedding_dim, embedding_trainable, filters, kernel_sizes, hidden_units, dropout
) -> keras.Model:
    """Embedding → one Conv1D per kernel size, each max-pooled over time → concatenated → output (Kim, 2014)."""
    inputs = _token_input()
    x = _embedding(vocab_size, embedding_dim, embedding_trainable)(inputs)
    x = layers.Dropout(dropout / 2)(x)
    pooled = []
    for size in kernel_sizes:
        conv = layers.Conv1D(filters, size, activation="relu", padding="same", name=f"conv_{size}")(x)
        pooled.append(layers.GlobalMaxPooling1D(name=f"max_pool_{size}")(conv))
    x = layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
    x = layers.Dropout(dropout)(x)
    if hidden_units:
        x = layers.Dense(hidden_units, activation="relu")(x)
        x = layers.Dropout(dropout)(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name="cnn")


def _encoder_block(x, mask, *, embedding_dim, num_heads, ff_dim, dropout, index):
    """Self-attention over the unmasked tokens, then a feed-forward layer, each added back and layer-normalized."""
    attention = layers.MultiHeadAttention(num_heads, max(1, embedding_dim // num_heads), dropout=dropout,
                                          name=f"attention_{index}")(x, x, query_mask=mask, value_mask=mask)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(dropout)(attention)]))
    feed_forward = layers.Dense(ff_dim, activation="relu")(x)
    feed_forward = layers.Dense(embedding_dim)(feed_forward)
    return layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(dropout)(feed_forward)]))


def build_transformer(
    *, vocab_size, num_classes, embedding_dim, embedding_trainable, num_heads, ff_dim, num_layers, dropout
) -> keras.Model:
    """Embedding + sinusoidal positions → encoder blocks → average over the tokens → output.

    Padding is masked explicitly in attention and in the average, so a text's
    prediction does not depend on how far it was padded (post-padding).
    """
    inputs = _token_input()
    mask = PaddingMask(name="padding_mask")(inputs)
    x = _embedding(vocab_size, embedding_dim, embedding_trainable)(inputs)
    x = PositionEncoding(name="positions")(x)
    x = layers.Dropout(dropout)(x)
    for index in range(num_layers):
        x = _encoder_block(x, mask, embedding_dim=embedding_dim, num_heads=num_heads, ff_dim=ff_dim, dropout=dropout,
                           index=index)
    x = layers.GlobalAveragePooling1D()(x, mask=mask)
    x = layers.Dropout(dropout)(x)
    outputs = _classifier_head(num_classes)(x)
    return keras.Model(inputs, outputs, name="transformer")


REGISTRY = {
    "dense_bow": partial(build_bag_mlp, name="dense_bow"),
    "bow_ngram": partial(build_bag_mlp, name="bow_ngram"),
    "nbsvm": build_nbsvm,
    "embedding_bag": build_embedding_bag,
    "simple_rnn": partial(build_recurrent, layers.SimpleRNN),
    "lstm": partial(build_recurrent, layers.LSTM),
    "gru": partial(build_recurrent, layers.GRU),
    "conv1d_bilstm": build_conv1d_bilstm,
    "cnn": build_cnn,
    "transformer": build_transformer,
}


def build(model_cfg, *, vocab_size: int, num_classes: int, mixed_precision: bool = False) -> keras.Model:
    """Build the model that ``model_cfg.type`` names (``train`` then sets pretrained vectors and NB ratios).

    ``mixed_precision`` builds its layers under Keras' ``mixed_float16`` policy:
    float16 computation, float32 variables; the output layer stays float32, and
    ``compile`` then scales the loss. The policy is saved with each layer, so
    it is set only while building and never left behind in the process.
    """
    builder = REGISTRY.get(model_cfg.type)
    if builder is None:
        raise TextclfError(f"model.type: unknown model type {model_cfg.type!r}; valid types: {', '.join(REGISTRY)}")
    params = model_cfg.model_dump(exclude={"type", "embedding"})
    if "embedding" in type(model_cfg).model_fields:
        params["embedding_trainable"] = model_cfg.embedding.trainable
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16" if mixed_precision else policy)
    try:
        return builder(**params, vocab_size=vocab_size, num_classes=num_classes)
    finally:
        keras.config.set_dtype_policy(policy)


def end_to_end(vectorizer, model: keras.Model, data_cfg: DataConfig, input_kind: str,
               class_names=()) -> TextModel:
    """Raw strings in, probabilities out: the vectorizer, padding and class names live inside the model."""
    texts = keras.Input(shape=(), dtype="string", name="text")
    x = vectorizer(texts)
    if input_kind == "sequence":
        x = SequencePadding(data_cfg.maxlen, data_cfg.padding, data_cfg.truncating, name="padding")(x)
    else:
        x = BagIds(name="bag_ids")(x)
    outputs = model(x)
    return TextModel(texts, outputs, class_names=class_names, name=f"{model.name}_end_to_end")

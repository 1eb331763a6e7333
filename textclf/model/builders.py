"""Model builders, one per ``model.type``, and the end-to-end raw-text wrapper.

Each builder takes its own typed config section (``config_models.NBSVMConfig``…),
plus the vocabulary size and the head (``head.Head``) computed from the data, and
returns an uncompiled ``keras.Model`` over vectorized input: token ids for the
sequence models, a bag as (ids, values) of its non-zero entries for the bag
models. ``@builds(SchemaClass)`` registers a builder next to its schema: a new
model is one schema class in config_models.py plus one builder here.
"""

from __future__ import annotations

import keras
from keras import layers

from textclf.config import DataConfig, model_sections
from textclf.errors import TextclfError
from textclf.model.head import Head
from textclf.model.layers import BagDense, NaiveBayesLinear, PaddingMask, PositionEncoding
from textclf.model.text_model import TextModel


def _classifier_head(head: Head) -> layers.Layer:
    """The output layer the head decides (one sigmoid unit, a softmax over the classes, a sigmoid per label)."""
    return head.output_layer()


def _token_input() -> keras.KerasTensor:
    return keras.Input(shape=(None,), dtype="int32", name="token_ids")


def _bag_inputs() -> list[keras.KerasTensor]:
    """A bag vector as the ids of its non-zero entries and their values (see ``model.layers.BagDense``)."""
    return [keras.Input(shape=(None,), dtype="int32", name="bag_ids"),
            keras.Input(shape=(None,), dtype="float32", name="bag_values")]


def _skips(cfg: model_sections.BagModel) -> bool:
    """Whether the bag layer skips the OOV column (``model.unseen_terms``)."""
    return cfg.unseen_terms == "skip"


def _embedding(cfg, vocab_size: int, mask_zero: bool = False) -> layers.Embedding:
    """The token table, named ``embedding`` so that pretrained vectors can be loaded into it."""
    return layers.Embedding(vocab_size, cfg.embedding_dim, mask_zero=mask_zero, trainable=cfg.embedding.trainable,
                            name="embedding")


REGISTRY: dict[str, object] = {}  # model.type → builder(cfg, *, vocab_size, head)


def builds(*schemas):
    """Register the decorated builder for the model types of these config classes."""
    def register(builder):
        for cls in schemas:
            REGISTRY[cls.model_fields["type"].annotation.__args__[0]] = builder
        return builder

    return register


@builds(model_sections.DenseBowConfig, model_sections.BowNgramConfig)
def build_bag_mlp(cfg: model_sections.DenseBowConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """Bag-of-words (or n-grams) vector → Dense layers → output: the Keras book's IMDB model.

    ``input_dropout`` (bow_ngram) zeroes whole features (n-grams) of each training example.
    """
    ids, values = inputs = _bag_inputs()
    if getattr(cfg, "input_dropout", 0.0):
        values = layers.Dropout(cfg.input_dropout, name="feature_dropout")(values)
    x = BagDense(vocab_size, cfg.hidden_units[0], activation="relu", skip_unseen=_skips(cfg),
                 name="bag_dense")([ids, values])
    if cfg.dropout:
        x = layers.Dropout(cfg.dropout)(x)
    for units in cfg.hidden_units[1:]:
        x = layers.Dense(units, activation="relu")(x)
        if cfg.dropout:
            x = layers.Dropout(cfg.dropout)(x)
    outputs = _classifier_head(head)(x)
    return keras.Model(inputs, outputs, name=cfg.type)


@builds(model_sections.NBSVMConfig)
def build_nbsvm(cfg: model_sections.NBSVMConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """Binarized n-gram bag → ``NaiveBayesLinear`` → sigmoid / softmax.

    ``cfg.alpha`` smooths the log-count ratios, which ``train`` computes from
    the training split (``data.log_count_ratios``) and sets after building.
    ``cfg.normalize`` is settled by ``char_ngrams.decide`` before a run builds;
    left at auto, the bag is taken to hold words only.
    """
    inputs = _bag_inputs()
    normalize = cfg.normalize is True
    logits = NaiveBayesLinear(vocab_size, head.units, cfg.nb_weight, normalize, skip_unseen=_skips(cfg),
                              name="nb_linear")(inputs)
    outputs = layers.Activation(head.activation, dtype="float32", name="predictions")(logits)
    return keras.Model(inputs, outputs, name="nbsvm")


@builds(model_sections.LinearConfig)
def build_linear(cfg: model_sections.LinearConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """A bag (TF-IDF of word and character n-grams, at best), L2-normalized per text → one linear layer."""
    ids, values = inputs = _bag_inputs()
    if cfg.input_dropout:
        values = layers.Dropout(cfg.input_dropout, name="feature_dropout")(values)
    logits = BagDense(vocab_size, head.units, combiner="l2" if cfg.normalize else "sum", kernel_initializer="zeros",
                      skip_unseen=_skips(cfg), name="linear")([ids, values])
    outputs = layers.Activation(head.activation, dtype="float32", name="predictions")(logits)
    return keras.Model(inputs, outputs, name="linear")


@builds(model_sections.EmbeddingBagConfig)
def build_embedding_bag(cfg: model_sections.EmbeddingBagConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """fastText (Joulin et al., 2016): the mean of the token and n-gram embeddings → output."""
    inputs = _bag_inputs()
    x = BagDense(vocab_size, cfg.embedding_dim, use_bias=False, combiner="mean", kernel_initializer="uniform",
                 trainable=cfg.embedding.trainable, skip_unseen=_skips(cfg), name="embedding")(inputs)
    if cfg.dropout:
        x = layers.Dropout(cfg.dropout)(x)
    outputs = _classifier_head(head)(x)
    return keras.Model(inputs, outputs, name="embedding_bag")


RECURRENT_LAYERS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}


@builds(model_sections.SimpleRNNConfig, model_sections.LSTMConfig, model_sections.GRUConfig)
def build_recurrent(cfg: model_sections.RecurrentConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """Embedding → ``num_layers`` stacked recurrent layers of the type's class → output."""
    layer_class = RECURRENT_LAYERS[cfg.type]
    inputs = _token_input()
    x = _embedding(cfg, vocab_size, cfg.mask_zero)(inputs)
    for index in range(cfg.num_layers):
        recurrent = layer_class(cfg.units, dropout=cfg.dropout, recurrent_dropout=cfg.recurrent_dropout,
                                return_sequences=index < cfg.num_layers - 1)
        x = layers.Bidirectional(recurrent)(x) if cfg.bidirectional else recurrent(x)
    outputs = _classifier_head(head)(x)
    return keras.Model(inputs, outputs, name=layer_class.__name__.lower())


@builds(model_sections.Conv1DBiLSTMConfig)
def build_conv1d_bilstm(cfg: model_sections.Conv1DBiLSTMConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """Embedding → Dropout → Conv1D → MaxPooling1D → BiLSTMs with dropout → output."""
    inputs = _token_input()
    x = _embedding(cfg, vocab_size)(inputs)
    x = layers.Dropout(cfg.dropout)(x)
    x = layers.Conv1D(cfg.filters, cfg.kernel_size, activation="relu", padding="same")(x)
    x = layers.MaxPooling1D(cfg.pool_size, padding="same")(x)
    for index, units in enumerate(cfg.lstm_units):
        last = index == len(cfg.lstm_units) - 1
        x = layers.Bidirectional(layers.LSTM(units, return_sequences=not last))(x)
        if not last:
            x = layers.Dropout(cfg.dropout)(x)
    outputs = _classifier_head(head)(x)
    return keras.Model(inputs, outputs, name="conv1d_bilstm")


@builds(model_sections.CNNConfig)
def build_cnn(cfg: model_sections.CNNConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """Embedding → one Conv1D per kernel size, each max-pooled over time → concatenated → output (Kim, 2014)."""
    inputs = _token_input()
    x = _embedding(cfg, vocab_size)(inputs)
    x = layers.Dropout(cfg.dropout / 2)(x)
    pooled = []
    for size in cfg.kernel_sizes:
        conv = layers.Conv1D(cfg.filters, size, activation="relu", padding="same", name=f"conv_{size}")(x)
        pooled.append(layers.GlobalMaxPooling1D(name=f"max_pool_{size}")(conv))
    x = layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
    x = layers.Dropout(cfg.dropout)(x)
    if cfg.hidden_units:
        x = layers.Dense(cfg.hidden_units, activation="relu")(x)
        x = layers.Dropout(cfg.dropout)(x)
    outputs = _classifier_head(head)(x)
    return keras.Model(inputs, outputs, name="cnn")


def _encoder_block(x, mask, *, embedding_dim, num_heads, ff_dim, dropout, index):
    """Self-attention over the unmasked tokens, then a feed-forward layer, each added back and layer-normalized."""
    attention = layers.MultiHeadAttention(num_heads, max(1, embedding_dim // num_heads), dropout=dropout,
                                          name=f"attention_{index}")(x, x, query_mask=mask, value_mask=mask)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(dropout)(attention)]))
    feed_forward = layers.Dense(ff_dim, activation="relu")(x)
    feed_forward = layers.Dense(embedding_dim)(feed_forward)
    return layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(dropout)(feed_forward)]))


@builds(model_sections.TransformerConfig)
def build_transformer(cfg: model_sections.TransformerConfig, *, vocab_size: int, head: Head) -> keras.Model:
    """Embedding + sinusoidal positions → encoder blocks → average over the tokens → output.

    Padding is masked explicitly in attention and in the average, so a text's
    prediction does not depend on how far it was padded (post-padding).
    """
    inputs = _token_input()
    mask = PaddingMask(name="padding_mask")(inputs)
    x = _embedding(cfg, vocab_size)(inputs)
    x = PositionEncoding(name="positions")(x)
    x = layers.Dropout(cfg.dropout)(x)
    for index in range(cfg.num_layers):
        x = _encoder_block(x, mask, embedding_dim=cfg.embedding_dim, num_heads=cfg.num_heads, ff_dim=cfg.ff_dim,
                           dropout=cfg.dropout, index=index)
    x = layers.GlobalAveragePooling1D()(x, mask=mask)
    x = layers.Dropout(cfg.dropout)(x)
    outputs = _classifier_head(head)(x)
    return keras.Model(inputs, outputs, name="transformer")


def build(model_cfg, *, vocab_size: int, num_classes: int, multi_label: bool = False,
          mixed_precision: bool = False) -> keras.Model:
    """Build the model that ``model_cfg.type`` names (``train`` then sets pretrained vectors and NB ratios).

    ``mixed_precision`` builds its layers under Keras' ``mixed_float16`` policy:
    float16 computation, float32 variables; the output layer stays float32, and
    ``compile`` then scales the loss. The policy is saved with each layer, so
    it is set only while building and never left behind in the process.
    """
    builder = REGISTRY.get(model_cfg.type)
    if builder is None:
        raise TextclfError(f"model.type: unknown model type {model_cfg.type!r}; valid types: {', '.join(REGISTRY)}")
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16" if mixed_precision else policy)
    try:
        return builder(model_cfg, vocab_size=vocab_size, head=Head(num_classes, multi_label))
    finally:
        keras.config.set_dtype_policy(policy)


def end_to_end(vectorizer, model: keras.Model, data_cfg: DataConfig, kind, class_names=(),
               thresholds=None) -> TextModel:
    """Raw strings in, probabilities out: the vectorizer, the input ``kind``'s serving layer (padding, bag ids),
    the class names and (multi-label) the labels' thresholds live inside the model."""
    texts = keras.Input(shape=(), dtype="string", name="text")
    outputs = model(kind.serving_layer(data_cfg)(vectorizer(texts)))
    return TextModel(texts, outputs, class_names=class_names, thresholds=thresholds, name=f"{model.name}_end_to_end")

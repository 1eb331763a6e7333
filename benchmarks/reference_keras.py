"""The hand-written Keras script textclf is measured against, written the textbook way.

    python -m benchmarks.reference_keras CONFIG --data PATH --out result.json

As in "Deep Learning with Python": every review becomes a list of word ids,
``keras.utils.pad_sequences`` pads/cuts them all to ``maxlen``, and ``model.fit``
trains on the NumPy arrays (the bag-of-words model gets dense multi-hot rows).
The architecture, optimizer, batch size, epochs and callbacks are read from the
same textclf config, and the same reviews, split and text standardization are
used, so the training pipeline is the only difference.
"""

from __future__ import annotations

import argparse
import json
import time

import keras
from keras import layers

from textclf.config import load_config
from textclf.data.splits import load_corpus
from textclf.features.text_layers import standardize


def build_model(model_cfg, vocab_size: int, maxlen: int) -> keras.Model:
    """The design-card models, one ``Sequential`` each, as the book writes them."""
    kind = model_cfg.type
    if kind == "dense_bow":
        model = keras.Sequential([keras.Input(shape=(vocab_size,))])
        for units in model_cfg.hidden_units:
            model.add(layers.Dense(units, activation="relu"))
            if model_cfg.dropout:
                model.add(layers.Dropout(model_cfg.dropout))
    elif kind == "conv1d_bilstm":
        model = keras.Sequential([
            keras.Input(shape=(maxlen,)),
            layers.Embedding(vocab_size, model_cfg.embedding_dim),
            layers.Dropout(model_cfg.dropout),
            layers.Conv1D(model_cfg.filters, model_cfg.kernel_size, activation="relu", padding="same"),
            layers.MaxPooling1D(model_cfg.pool_size, padding="same"),
        ])
        for index, units in enumerate(model_cfg.lstm_units):
            last = index == len(model_cfg.lstm_units) - 1
            model.add(layers.Bidirectional(layers.LSTM(units, return_sequences=not last)))
            if not last:
                model.add(layers.Dropout(model_cfg.dropout))
    else:
        recurrent = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}[kind]
        model = keras.Sequential([
            keras.Input(shape=(maxlen,)),
            layers.Embedding(vocab_size, model_cfg.embedding_dim, mask_zero=model_cfg.mask_zero),
        ])
        for index in range(model_cfg.num_layers):
            layer = recurrent(model_cfg.units, dropout=model_cfg.dropout, recurrent_dropout=model_cfg.recurrent_dropout,
                              return_sequences=index < model_cfg.num_layers - 1)
            model.add(layers.Bidirectional(layer) if model_cfg.bidirectional else layer)
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


def vectorize(cfg, corpus):
    """Texts → NumPy arrays: padded integer sequences, or dense multi-hot rows for the bag model."""
    bag = cfg.model.type == "dense_bow"
    vectorizer = layers.TextVectorization(
        max_tokens=cfg.data.vocab_size, standardize=standardize,
        output_mode=cfg.data.output_mode if bag else "int", ragged=not bag,
        ngrams=cfg.data.ngrams if bag and cfg.data.ngrams > 1 else None,
    )
    vectorizer.adapt(corpus.train.texts.astype(str), batch_size=1024)

    def arrays(split):
        encoded = vectorizer(split.texts.astype(str))
        if bag:
            return keras.ops.convert_to_numpy(encoded).astype("float32"), split.labels
        sequences = keras.utils.pad_sequences(encoded.to_list(), maxlen=cfg.data.maxlen,
                                              padding=cfg.data.padding, truncating=cfg.data.truncating)
        return sequences, split.labels

    return vectorizer.vocabulary_size(), arrays(corpus.train), arrays(corpus.validation), arrays(corpus.test)


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--checkpoint", default="/tmp/reference_best.keras")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    args = parser.parse_args()
    cfg = load_config(args.config, args.set, data_path=args.data)
    train = cfg.train
    keras.utils.set_random_seed(cfg.seed)

    corpus = load_corpus(cfg.data, cfg.seed)
    vocab_size, (x_train, y_train), validation, (x_test, y_test) = vectorize(cfg, corpus)
    model = build_model(cfg.model, vocab_size, cfg.data.maxlen)
    optimizer = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
                 "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}[train.optimizer]
    model.compile(optimizer=optimizer(learning_rate=train.learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    timer = EpochTimer()
    callbacks = [timer, keras.callbacks.ModelCheckpoint(args.checkpoint, monitor=train.checkpoint_monitor,
                                                        save_best_only=True)]
    if train.early_stopping.enabled:
        stop = train.early_stopping
        callbacks.append(keras.callbacks.EarlyStopping(monitor=stop.monitor, patience=stop.patience,
                                                       min_delta=stop.min_delta, restore_best_weights=True))
    if train.reduce_lr_on_plateau.enabled:
        plateau = train.reduce_lr_on_plateau
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=plateau.monitor, factor=plateau.factor,
                                                           patience=plateau.patience, min_lr=plateau.min_lr))
    model.fit(x_train, y_train, batch_size=train.batch_size, epochs=train.epochs, validation_data=validation,
              callbacks=callbacks, verbose=2)
    best = keras.models.load_model(args.checkpoint)
    test = best.evaluate(x_test, y_test, batch_size=train.batch_size, return_dict=True, verbose=0)
    result = {"test_accuracy": float(test["accuracy"]), "epoch_seconds": timer.seconds}
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()

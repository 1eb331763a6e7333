import keras
import numpy as np
import pytest
import tensorflow as tf

from textclf.config import validate
from textclf.model import builders, optimizers


def bag_batch(ids):
    """Padded (ids, values) of multi-hot bags holding ``ids`` (id 0 here is padding: value 0)."""
    ids = tf.constant(ids, tf.int32)
    return ids, tf.cast(ids > 0, tf.float32)


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_every_optimizer_trains_a_bag_model(name):
    cfg = validate({"name": "t", "model": {"type": "embedding_bag", "embedding_dim": 4}})
    model = builders.build(cfg.model, vocab_size=30, num_classes=2)
    model.compile(optimizer=optimizers.make(name, 0.1), loss="binary_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    ids, values = bag_batch([[3, 4, 0], [5, 6, 7]])
    model.train_on_batch((ids, values), np.array([1, 0]))
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


# Vocabulary sizes that make each model's table large enough for sparse gradients (layers.SPARSE_GRADIENT_ENTRIES).
LARGE = {"embedding_bag": 20_000, "bow_ngram": 20_000, "nbsvm": 50}


def table_gradient(model, vocab_size):
    ids, values = bag_batch([[3, 4, 0], [4, 9, 11]])
    with tf.GradientTape() as tape:
        loss = keras.losses.binary_crossentropy(np.array([[1.0], [0.0]]), model((ids, values), training=True))
    table = next(w for w in model.trainable_weights if w.shape[0] == vocab_size)
    return tape.gradient(loss, table.value)


@pytest.mark.parametrize("model_type", list(LARGE))
def test_large_bag_tables_get_gradients_of_the_rows_a_batch_holds(model_type):
    cfg = validate({"name": "t", "model": {"type": model_type}})
    gradient = table_gradient(builders.build(cfg.model, vocab_size=LARGE[model_type], num_classes=2), LARGE[model_type])
    assert isinstance(gradient, tf.IndexedSlices)
    assert set(gradient.indices.numpy().tolist()) == {3, 4, 9, 11}


def test_a_small_table_gets_a_dense_gradient_which_costs_less_there():
    cfg = validate({"name": "t", "model": {"type": "dense_bow"}})  # 50 × 16 entries
    gradient = table_gradient(builders.build(cfg.model, vocab_size=50, num_classes=2), 50)
    assert isinstance(gradient, tf.Tensor)
    assert set(np.flatnonzero(np.abs(gradient.numpy()).sum(axis=1))) <= {3, 4, 9, 11}


@pytest.mark.parametrize("model_type", list(LARGE))
def test_a_lazy_adam_step_leaves_the_rows_no_text_holds_unchanged(model_type):
    cfg = validate({"name": "t", "model": {"type": model_type}})
    vocab_size = LARGE[model_type]
    model = builders.build(cfg.model, vocab_size=vocab_size, num_classes=2)
    optimizer = optimizers.make("lazy_adam", 0.05)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    if model_type == "nbsvm":
        ratios = np.random.default_rng(0).normal(size=(vocab_size, 1)).astype("float32")
        model.get_layer("nb_linear").set_ratios(ratios)
    table = next(w for w in model.trainable_weights if w.shape[0] == vocab_size)
    before = table.numpy().copy()
    ids, values = bag_batch([[3, 4, 0], [4, 9, 11]])
    for _ in range(3):
        model.train_on_batch((ids, values), np.array([1, 0]))
    after = table.numpy()
    touched = np.zeros(vocab_size, bool)
    touched[[3, 4, 9, 11]] = True
    np.testing.assert_array_equal(after[~touched], before[~touched])
    assert not np.allclose(after[touched], before[touched])
    moments = [v.numpy() for v in optimizer.variables if tuple(v.shape) == tuple(table.shape)]
    assert moments and all(not m[~touched].any() for m in moments)


def test_lazy_adam_is_adam_for_rows_every_step_touches_and_for_dense_gradients():
    rng = np.random.default_rng(1)
    start = rng.normal(size=(4, 3)).astype("float32")
    lazy_var, dense_var = keras.Variable(start.copy()), keras.Variable(start.copy())
    lazy, adam = optimizers.LazyAdam(learning_rate=0.1), keras.optimizers.Adam(learning_rate=0.1)
    lazy.build([lazy_var])
    adam.build([dense_var])
    for _ in range(4):
        gradient = rng.normal(size=(4, 3)).astype("float32")
        # every row, row 2 in two halves (two texts holding it): the halves are summed
        halves = gradient.copy()
        halves[2] /= 2
        sparse = tf.IndexedSlices(tf.constant(np.concatenate([halves, halves[2:3]])), tf.constant([0, 1, 2, 3, 2]))
        lazy.apply_gradients([(sparse, lazy_var)])
        adam.apply_gradients([(tf.constant(gradient), dense_var)])
    np.testing.assert_allclose(lazy_var.numpy(), dense_var.numpy(), rtol=1e-5, atol=1e-6)
    fresh_lazy, fresh_adam = optimizers.LazyAdam(learning_rate=0.1), keras.optimizers.Adam(learning_rate=0.1)
    a, b = keras.Variable(start.copy()), keras.Variable(start.copy())
    gradient = tf.constant(rng.normal(size=(4, 3)).astype("float32"))
    fresh_lazy.apply_gradients([(gradient, a)])
    fresh_adam.apply_gradients([(gradient, b)])
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_checkpoint_holding_lazy_adam_loads(tmp_path):
    cfg = validate({"name": "t", "model": {"type": "embedding_bag", "embedding_dim": 4}})
    model = builders.build(cfg.model, vocab_size=20, num_classes=2)
    model.compile(optimizer=optimizers.make("lazy_adam", 0.01), loss="binary_crossentropy")
    ids, values = bag_batch([[3, 4]])
    model.train_on_batch((ids, values), np.array([1]))
    model.save(tmp_path / "best.keras")
    loaded = keras.models.load_model(tmp_path / "best.keras")
    assert isinstance(loaded.optimizer, optimizers.LazyAdam)
    np.testing.assert_allclose(loaded.predict((ids, values), verbose=0), model.predict((ids, values), verbose=0))


@pytest.mark.parametrize("schedule", ["cosine", "warmup_cosine"])
def test_learning_rate_schedules_span_the_whole_training(schedule):
    rate = optimizers.learning_rate(0.01, schedule, total_steps=100)
    values = [float(rate(step)) for step in (0, 5, 10, 50, 100)]
    assert values[-1] == pytest.approx(0.0, abs=1e-6)
    if schedule == "cosine":
        assert values[0] == pytest.approx(0.01) and values == sorted(values, reverse=True)
    else:  # rises from 0 over the first tenth, then decays
        assert values[0] == pytest.approx(0.0) and values[2] == pytest.approx(0.01) and values[1] < values[2]
    assert optimizers.learning_rate(0.01, "constant", 100) == 0.01

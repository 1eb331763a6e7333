"""The sequence input kind: token ids cut to maxlen, training batches of one length, scoring as predict pads."""

import numpy as np
import pytest

from textclf.config import DataConfig
from textclf.features import featurize
from textclf.features.sequence_input import SequenceInput, width_groups

TEXTS = np.array([" ".join(["word"] * n + [f"w{n}"]) for n in range(1, 40)], dtype=object)


def adapted(cfg: DataConfig):
    kind = SequenceInput()
    vectorizer = kind.vectorizer(cfg)
    featurize.adapt(vectorizer, TEXTS, cfg, kind)
    return kind, vectorizer


@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_ids_are_cut_to_maxlen_keeping_the_end_or_the_start(truncating):
    cfg = DataConfig(maxlen=5, truncating=truncating)
    kind, vectorizer = adapted(cfg)
    ids = kind.encode(vectorizer, TEXTS, cfg)
    assert int(ids.row_lengths().numpy().max()) == 5
    last = ids[len(TEXTS) - 1].numpy().tolist()
    marker = vectorizer.get_vocabulary().index("w39")
    assert (last[-1] == marker) == (truncating == "pre")


def test_training_batches_hold_texts_of_about_one_length_and_every_text_once():
    cfg = DataConfig(maxlen=64)
    kind, vectorizer = adapted(cfg)
    ids = kind.encode(vectorizer, TEXTS, cfg)
    labels = np.arange(len(TEXTS), dtype=np.int32)
    seen, widest = [], []
    for batch, batch_labels in kind.dataset(ids, labels, 4, cfg, shuffle_seed=0):
        seen += batch_labels.numpy().tolist()
        widest.append(batch.shape[1])
        lengths = ids.row_lengths().numpy()[batch_labels.numpy()]
        assert batch.shape[1] == lengths.max()  # padded to its own longest, no further
    assert sorted(seen) == labels.tolist() and len(set(widest)) > 1


def test_scoring_groups_rows_by_padded_width_in_order():
    cfg = DataConfig(maxlen=64)
    kind, vectorizer = adapted(cfg)
    groups = width_groups(kind.encode(vectorizer, TEXTS, cfg), cfg.maxlen)
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(TEXTS)))
    assert all(np.all(np.diff(group) > 0) for group in groups)

import tarfile

import numpy as np
import pytest

from textclf.data import examples, sources, tables
from textclf.errors import TextclfError


def test_reads_the_aclimdb_folder_and_tarball_identically(imdb_dir, imdb_tar):
    from_dir = sources.read_imdb(str(imdb_dir.parent))
    from_tar = sources.read_imdb(str(imdb_tar))
    assert from_dir.class_names == from_tar.class_names == ("neg", "pos")
    for split in ("train", "test"):
        assert len(from_dir.splits[split]) == 80
        assert np.bincount(from_dir.splits[split].labels).tolist() == [40, 40]
        assert list(from_dir.splits[split].texts) == list(from_tar.splits[split].texts)


def test_unsup_and_other_files_are_ignored(imdb_dir, tmp_path):
    archive = tmp_path / "with_unsup.tar.gz"
    extra = tmp_path / "unsup.txt"
    extra.write_text("not labeled")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(imdb_dir, arcname="aclImdb")
        tar.add(extra, arcname="aclImdb/train/unsup/0_0.txt")
        tar.add(extra, arcname="aclImdb/imdb.vocab")
    splits = sources.read_imdb(str(archive)).splits
    assert len(splits["train"]) == 80


def test_missing_and_broken_data_are_user_errors(tmp_path, imdb_tar):
    with pytest.raises(TextclfError, match="does not exist"):
        sources.read_imdb(str(tmp_path / "nowhere"))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(imdb_tar.read_bytes()[:2000])
    with pytest.raises(TextclfError, match="corrupt or truncated"):
        sources.read_imdb(str(truncated))
    (tmp_path / "empty" / "aclImdb" / "train").mkdir(parents=True)
    with pytest.raises(TextclfError, match="train/neg"):
        sources.read_imdb(str(tmp_path / "empty"))


def test_class_directory_with_and_without_train_test_folders(tmp_path):
    flat = examples.write_directory(tmp_path / "flat", rows=40)
    labeled = sources.read_class_directory(str(flat), None)
    assert labeled.class_names == ("food", "sports", "technology", "travel")
    assert np.bincount(labeled.splits["train"].labels).tolist() == [8, 16, 12, 4]
    examples.write_directory(tmp_path / "split" / "train", rows=40)
    examples.write_directory(tmp_path / "split" / "test", rows=20, seed=1)
    labeled = sources.read_class_directory(str(tmp_path / "split"), None)
    assert len(labeled.splits["train"]) == 40 and len(labeled.splits["test"]) == 20


def test_class_directory_mistakes(tmp_path):
    with pytest.raises(TextclfError, match="no class subfolders"):
        sources.read_class_directory(str(tmp_path), None)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "b").mkdir()
    with pytest.raises(TextclfError, match="no .txt files in this class folder"):
        sources.read_class_directory(str(tmp_path), None)
    with pytest.raises(TextclfError, match="is not a folder"):
        sources.read_class_directory(str(tmp_path / "a" / "1.txt"), None)


def test_data_paths_that_are_not_regular_files_are_refused_or_skipped(tmp_path, capsys):
    import os

    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(TextclfError, match="folder.csv is a folder; expected a file"):
        tables.read_table(str(tmp_path / "folder.csv"), None, "text", "label")
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(TextclfError, match="FIFO"):
        tables.read_table(str(tmp_path / "pipe.csv"), None, "text", "label")
    root = tmp_path / "classes"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        (root / label / "1.txt").write_text(f"text of {label}")
    (root / "a" / "sub.txt").mkdir()  # a folder named like a file
    (root / "a" / "gone.txt").symlink_to(tmp_path / "nothing")
    os.mkfifo(root / "b" / "pipe.txt")  # reading it would wait forever
    labeled = sources.read_class_directory(str(root), None)
    assert len(labeled.splits["train"]) == 2
    assert "skipped 3 entries" in capsys.readouterr().err

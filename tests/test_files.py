import os

import pytest

from textclf import files
from textclf.errors import TextclfError


def test_only_regular_files_and_folders_pass(tmp_path):
    (tmp_path / "data.csv").write_text("x")
    (tmp_path / "folder.csv").mkdir()
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "gone")
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    assert files.checked(tmp_path / "data.csv", "data.path", "file") == tmp_path / "data.csv"
    for name, words in (("folder.csv", "is a folder; expected a file"), ("pipe.csv", "FIFO"),
                        ("dangling.csv", "symbolic link to nothing"), ("loop.csv", "cannot be read"),
                        ("missing.csv", "does not exist")):
        with pytest.raises(TextclfError, match=words):
            files.checked(tmp_path / name, "data.path", "file")
    with pytest.raises(TextclfError, match="is a file; expected a folder"):
        files.checked(tmp_path / "data.csv", "data.path", "folder")
    kept, skipped = files.regular_files([tmp_path / n for n in ("data.csv", "folder.csv", "pipe.csv", "dangling.csv")])
    assert kept == [tmp_path / "data.csv"] and len(skipped) == 3

"""Reading labeled texts from files: the IMDB archive or folder, or a folder per class (tables: ``tables``).

Pure Python and NumPy (no TensorFlow), so reading errors surface before any
model is built. Every reader returns ``labeled.Labeled``: splits of texts with
integer labels indexing ``class_names``.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zlib
from pathlib import Path

from textclf import files
from textclf.data.labeled import Collector, Labeled, sorted_labels
from textclf.errors import TextclfError
from textclf.progress import Progress

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_CLASSES = ("neg", "pos")
_IMDB_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(neg|pos)/([^/]+)\.txt$")


def _require_both_imdb_classes(collector: Collector) -> None:
    for split in ("train", "test"):
        per_label = collector.items.get(split, {})
        missing = [label for label in IMDB_CLASSES if not per_label.get(label)]
        if missing:
            raise TextclfError(
                f"{collector.origin}: the {split} split has no {missing[0]} reviews (aclImdb/{split}/{missing[0]} "
                "is empty or absent); a classifier needs examples of both classes"
            )


def _read_imdb_tar(path: Path, empty_text: str) -> Labeled:
    collector = Collector(str(path), IMDB_CLASSES, empty_text)
    progress = Progress(f"reading {path.name}", total=path.stat().st_size, unit="bytes")
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r:*") as archive:
            for member in archive:  # a cut-off gzip stream raises EOFError
                match = _IMDB_MEMBER.search(member.name)
                if member.isfile() and match:
                    split, label, stem = match.groups()
                    collector.add(split, label, f"{split}/{label}/{stem}.txt", archive.extractfile(member).read())
                    progress.update(raw.tell())
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(":")
        raise TextclfError(f"{path}: cannot read archive, corrupt or truncated ({reason})") from None
    progress.done(f"{collector.count:,} reviews", count=collector.count, unit="reviews")
    _require_both_imdb_classes(collector)
    return collector.result()


def _read_imdb_dir(path: Path, empty_text: str) -> Labeled:
    root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
    collector = Collector(str(path), IMDB_CLASSES, empty_text)
    for split in ("train", "test"):
        for label in IMDB_CLASSES:
            if not (root / split / label).is_dir():
                raise TextclfError(f"{path}: missing folder {split}/{label} (expected the aclImdb layout)")
    _read_class_folders(collector, {split: root / split for split in ("train", "test")}, IMDB_CLASSES)
    _require_both_imdb_classes(collector)
    return collector.result()


def _read_class_folders(collector: Collector, roots: dict[str, Path], classes) -> None:
    """Every regular ``*.txt`` file of each class folder; anything else named so is skipped, and said."""
    found = [(split, label, file) for split, root in roots.items() for label in classes
             for file in sorted((root / label).glob("*.txt")) if (root / label).is_dir()]
    regular, skipped = files.regular_files([file for _, _, file in found])
    if skipped:
        shown = ", ".join(str(path) for path in skipped[:3]) + (" …" if len(skipped) > 3 else "")
        print(f"warning: skipped {len(skipped)} entries named *.txt that are not regular files "
              f"(folders, broken links, pipes): {shown}", file=sys.stderr)
    keep = set(regular)
    found = [item for item in found if item[2] in keep]
    progress = Progress(f"reading {collector.origin}", total=len(found), unit="files")
    for count, (split, label, file) in enumerate(found, 1):
        collector.add(split, label, f"{split}/{label}/{file.name}", file.read_bytes())
        progress.update(count)
    progress.done(f"{len(found):,} files", count=len(found))


def _imdb_archive(path: str | None) -> Path:
    if path is not None:
        return Path(path).expanduser()
    from textclf.quiet import import_tensorflow

    import_tensorflow()  # only when downloading (keeps reading a local copy TensorFlow-free), without its noise
    import keras

    try:
        return Path(keras.utils.get_file("aclImdb_v1.tar.gz", IMDB_URL, cache_subdir="datasets"))
    except Exception as exc:  # Keras raises a bare Exception for every network failure
        reason = (str(exc).split(": ", 1)[-1].strip().splitlines() or [type(exc).__name__])[0].removeprefix("None -- ")
        raise TextclfError(f"data.path: could not download IMDB from {IMDB_URL} ({reason}); with a local copy "
                           "of aclImdb_v1.tar.gz (or its unpacked folder), pass --data PATH") from None


def existing(path: str | None, field: str = "data.path", want: str = "file or folder") -> Path:
    if path is None:
        raise TextclfError(f"{field}: required for this data.source (a file or folder of labeled texts)")
    return files.checked(path, field, want)


def read_imdb(path: str | None, empty_text: str = "skip") -> Labeled:
    """IMDB's labeled reviews from a folder or archive (the official archive is downloaded when no path)."""
    location = existing(str(_imdb_archive(path)))
    return _read_imdb_dir(location, empty_text) if location.is_dir() else _read_imdb_tar(location, empty_text)


def read_class_directory(path: str | None, test_path: str | None, task: str = "auto",
                         empty_text: str = "skip") -> Labeled:
    """One subfolder of ``.txt`` files per class; ``train/`` and ``test/`` subfolders are optional.

    The layout ``keras.utils.text_dataset_from_directory`` reads; classes in
    alphanumeric order of their folder names. Multi-label (``task``, or
    ``auto`` when the same file, by name and text, is in several class
    folders of a split): the files of one name are one text, holding the labels of their folders.
    """
    location = existing(path)
    if not location.is_dir():
        raise TextclfError(f"data.path: {location} is not a folder (source: directory expects one subfolder per class)")
    roots = {"train": location / "train", "test": location / "test"} if (location / "train").is_dir() else {
        "train": location}
    if test_path is not None:
        roots["test"] = existing(test_path, "data.test_path", "folder")
    classes = sorted_labels(child.name for child in roots["train"].iterdir() if child.is_dir())
    if not classes:
        raise TextclfError(f"{roots['train']}: no class subfolders (expected e.g. {roots['train']}/<class>/*.txt)")
    read = _Read(str(location))
    _read_class_folders(read, roots, [*classes, *_extra_classes(roots.get("test"), classes)])
    present = {label for split, label, _, _ in read.items if split == "train"}
    empty = [name for name in classes if name not in present]
    if empty:
        raise TextclfError(f"{roots['train'] / empty[0]}: no .txt files in this class folder")
    shared = len({(split, name.rsplit("/", 1)[-1], raw) for split, _, name, raw in read.items}) < len(read.items)
    if task == "multi_label" or (task == "auto" and shared):  # one file, by name and text, in several folders
        from textclf.data.label_sets import from_class_folders

        return from_class_folders(str(location), read.items, empty_text)
    collector = Collector(str(location), classes, empty_text)
    for item in read.items:
        collector.add(*item)
    return collector.result()


class _Read:
    """Files as read, (split, label, name, bytes), until the layout says single- or multi-label."""

    def __init__(self, origin: str):
        self.origin = origin
        self.items: list[tuple[str, str, str, bytes]] = []

    def add(self, split: str, label: str, name: str, raw: bytes) -> None:
        self.items.append((split, label, name, raw))


def _extra_classes(test_root: Path | None, classes) -> list[str]:
    """Test subfolders with no training counterpart: read so the error can name them."""
    if test_root is None or not test_root.is_dir():
        return []
    return [child.name for child in test_root.iterdir() if child.is_dir() and child.name not in classes]

"""Reading YAML that users (or anyone) wrote: configs, search spaces, ``--set`` values, a run's config.yaml.

Safe loading alone is not enough for input we did not write: a 550-byte
alias bomb expands to millions of values (and the validation error echoed
them all), a document nested thousands deep overflows the parser's
recursion, and a list used as a mapping key raises ``TypeError``. Every
such document is one line here: the file is bounded in size, the parsed
value in size and depth, duplicate keys are refused, and an error quotes at
most ``QUOTE`` characters of a bad value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from textclf import files
from textclf.errors import TextclfError

MAX_CONFIG_BYTES = 256 * 1024
MAX_VALUES = 100_000  # values in the parsed document, aliases expanded
MAX_DEPTH = 32
QUOTE = 80


def quoted(text: str, limit: int = QUOTE) -> str:
    """``text`` cut to ``limit`` characters: an error names a bad value, it does not reprint it."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys instead of keeping the last one, and unhashable keys."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                duplicate = key in seen
            except TypeError:
                raise TextclfError(f"line {line}: a {type(key).__name__} cannot be a key") from None
            if duplicate:
                raise TextclfError(f"duplicate key '{quoted(str(key))}' at line {line}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_size(value: Any) -> None:
    """Refuse a document of more than ``MAX_VALUES`` values or ``MAX_DEPTH`` levels, counting each alias use."""
    stack, count = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise TextclfError(f"more than {MAX_VALUES:,} values (YAML aliases expanding?); a config is far smaller")
        if depth > MAX_DEPTH:
            raise TextclfError(f"nested more than {MAX_DEPTH} levels deep")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)


def parse_yaml(text: str) -> Any:
    """The YAML value of ``text``, checked; any failure is a ``TextclfError`` of one line."""
    try:
        value = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        raise TextclfError(f"YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise TextclfError(f"YAML error: {quoted(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}") \
            from None
    except RecursionError:
        raise TextclfError(f"nested more than {MAX_DEPTH} levels deep") from None
    _check_size(value)
    return value


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise TextclfError(f"{path}: config file not found")
    files.checked(path, "config", "file")  # never a FIFO: reading one would wait forever
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise TextclfError(f"{path}: config file is larger than {MAX_CONFIG_BYTES // 1024} KB; is it a config?")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TextclfError(f"{path}: cannot read config file ({exc})") from None
    try:
        raw = parse_yaml(text)
    except TextclfError as exc:
        raise TextclfError(f"{path}: {exc}") from None
    if raw is None:
        raise TextclfError(f"{path}: config file is empty")
    if not isinstance(raw, dict):
        raise TextclfError(f"{path}: config must be a mapping of keys to values, got {type(raw).__name__}")
    return raw

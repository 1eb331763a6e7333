"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the other sections alone."""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# Benchmark results\n\nEach section is rewritten by the script that produced it.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def provenance() -> str:
    """Date, machine and the exact command, for the top of a section."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    main = sys.modules.get("__main__")
    module = getattr(getattr(main, "__spec__", None), "name", None)  # run as python -m benchmarks.<name>
    command = shlex.join(["python", *(["-m", module] if module else sys.argv[:1]), *sys.argv[1:]])
    return f"- date: {when}\n- machine: {machine()}\n- command: `{command}`\n"


def merge_rows(path: Path, rows: list[dict], key: str, order: list[str]) -> list[dict]:
    """The rows just measured plus the saved rows whose ``key`` was not rerun, in ``order``; saved to ``path``.

    A benchmark rerun on some data sets keeps the others' rows as they were measured, each with its own time.
    """
    rerun = {row[key] for row in rows}
    kept = [row for row in json.loads(path.read_text()) if row[key] not in rerun] if path.exists() else []
    merged = sorted(kept + rows, key=lambda row: order.index(row[key]) if row[key] in order else len(order))
    path.write_text(json.dumps(merged, indent=1) + "\n")
    return merged


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of already formatted cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def write_section(name: str, title: str, body: str) -> None:
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    section = f"{begin}\n## {title}\n\n{provenance()}\n{body.rstrip()}\n{end}\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def section_body(doc: str, table: str) -> str:
    """A section's text: the third paragraph of its script's docstring (what was measured, how), then the table."""
    return " ".join(doc.split("\n\n")[2].split()) + "\n\n" + table

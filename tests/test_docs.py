"""The README and docs/ stay true to the tree: links resolve, commands exist, named tests and files are there."""

import re

import pytest
from helpers import ROOT
from typer.testing import CliRunner

from textclf.cli import app

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(page):
    return [target for target in LINK.findall(page.read_text(encoding="utf-8"))
            if not re.match(r"[a-z]+:", target)]  # http:, https:, mailto:


def headings(page) -> set[str]:
    """GitHub's anchors: lowercase, punctuation dropped, spaces as dashes."""
    titles = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-") for title in titles}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page):
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or (anchor and anchor not in headings(file)):
            broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"


def test_the_readme_links_every_page_of_docs():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in relative_links(ROOT / "README.md")}
    assert not [page.name for page in PAGES[1:] if page.resolve() not in linked]


def test_every_command_the_readme_shows_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [re.sub(r"#.*", "", block) for block in re.findall(r"```.*?```", readme, flags=re.S)]  # no comments
    code = blocks + re.findall(r"`[^`\n]+`", re.sub(r"```.*?```", "", readme, flags=re.S))
    shown = {command for block in code for command in re.findall(r"(?<![\w./-])textclf ([a-z][a-z-]+)", block)}
    help_text = CliRunner().invoke(app, ["--help"]).output
    listed = set(re.findall(r"^[│ ] +([a-z][a-z-]+) ", help_text, flags=re.M))
    missing = [command for command in shown if command not in listed]
    assert shown >= {"train", "tune", "evaluate", "predict", "runs", "export", "plot-history"}
    assert not missing, f"the README shows commands textclf does not have: {missing}"
    for command in shown:
        assert CliRunner().invoke(app, [command, "--help"]).exit_code == 0, command


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_named_tests_files_configs_and_benchmarks_exist(page):
    text = page.read_text(encoding="utf-8")
    missing = []
    for path, name in re.findall(r"(tests/[\w/]+\.py)(?:::(test_\w+))?", text):
        if not (ROOT / path).is_file() or (name and not re.search(rf"^def {name}\b", (ROOT / path).read_text(),
                                                                   flags=re.M)):
            missing.append(f"{path}::{name}" if name else path)
    missing += [path for path in re.findall(r"`((?:textclf|configs|benchmarks)/[\w/.-]+\.(?:py|yaml))`", text)
                if not (ROOT / path).is_file()]
    missing += [module for module in re.findall(r"python -m (benchmarks\.\w+|textclf[\w.]*)", text)
                if not (ROOT / (module.replace(".", "/") + ".py")).is_file()
                and not (ROOT / module.replace(".", "/") / "__main__.py").is_file()]
    assert not missing, f"{page.name} names what is not there: {missing}"

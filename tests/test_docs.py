"""Every code example of the documentation runs (docs/**/*.md).

Per page, in the order they appear and in one temporary working folder that starts with a
copy of docs/examples (the small bakery scenario the how-to guides use):

- ```python blocks run in one namespace, as a reader pasting them in order would run them;
- ```console blocks: each line starting with ``$ truthsim`` runs the command line (in this
  process) and ``$ python FILE`` runs a script in a fresh interpreter; each must exit with 0, or
  with N where the line's comment says ``exit status N``; a trailing ``> FILE`` writes the
  command's standard output there. The lines shown under a command (other than ``...``) must
  each appear in what it printed, spaces aside;
- a block with ``:caption: FILE`` (a ``{code-block}`` directive) is that file: written to the
  working folder, not run; ``:caption: added to the end of FILE`` appends to it;
- ```yaml blocks without a caption must parse; ```text and ```json blocks are output shown for
  reading and are not run.

Pages with examples to run are marked slow (each takes from about a second to 15 s on 2 cores).
The README's Python example runs too, and its links into docs/ must lead to pages that exist.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
RUN = ("python", "console")
SHOWN = ("text", "json")
FENCE = re.compile(r"^(`{3,})\s*(?:\{([\w-]+)\}\s*)?([\w+-]*)\s*(.*)$")
#: directives whose body is not an example: other files shown, tables of contents, autodoc
NOT_EXAMPLES = ("literalinclude", "toctree", "eval-rst")
EXIT = re.compile(r"exit status (\d+)")
APPEND = "added to the end of "


@dataclass
class Block:
    """One fenced block of a page."""

    page: str
    line: int  # 1-based line of the opening fence
    directive: str  # code-block, literalinclude ..., or "" for a plain fence
    language: str
    text: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order (options of a directive apart)."""
    page = path.relative_to(DOCS).as_posix()
    lines = path.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, directive, language, start = (
            opening.group(1),
            opening.group(2) or "",
            opening.group(3),
            i,
        )
        body: list[str] = []
        options: dict[str, str] = {}
        i += 1
        while i < len(lines) and lines[i].rstrip() != fence:
            if directive and not body and lines[i].startswith(":"):
                key, _, value = lines[i][1:].partition(":")
                options[key.strip()] = value.strip()
            else:
                body.append(lines[i])
            i += 1
        assert i < len(lines), f"docs/{page}:{start + 1}: a code block is not closed"
        if directive not in NOT_EXAMPLES:
            found.append(
                Block(page, start + 1, directive, language, "\n".join(body) + "\n", options)
            )
        i += 1
    return found


def test_every_page_is_checked() -> None:
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"index.md", "tutorials/strategist.md", "tutorials/researcher.md", "api.md"} <= names
    assert len(names) >= 15


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_blocks_are_of_a_known_kind(path: Path) -> None:
    """A shell example is a console block (run here), never bash; output is text or json."""
    for block in blocks(path):
        if block.options.get("caption"):
            continue
        assert block.directive in ("", "code-block"), f"{block.where}: {{{block.directive}}}"
        assert block.language in (*RUN, *SHOWN, "yaml"), (
            f"{block.where}: a ```{block.language} block is neither run nor output; "
            "write commands as ```console with '$ ' and output as ```text"
        )
        if block.language == "yaml":
            yaml.safe_load(block.text)
        if block.language == "console":
            first = block.text.lstrip().splitlines()[0]
            assert first.startswith("$ "), f"{block.where}: a console block starts with '$ '"


def commands(block: Block) -> list[tuple[int, str, list[str]]]:
    """(line, command, lines shown under it) of a console block."""
    found: list[tuple[int, str, list[str]]] = []
    for k, line in enumerate(block.text.splitlines()):
        if line.startswith("$ "):
            found.append((block.line + 1 + k, line[2:], []))
        elif found and line.strip() and line.strip() != "...":
            found[-1][2].append(line)
    return found


def squeeze(text: str) -> str:
    return " ".join(text.split())


def run_command(where: str, command: str, shown: list[str], folder: Path) -> None:
    words = shlex.split(command, comments=True)
    comment = command.partition(" #")[2]
    expected = int(EXIT.search(comment).group(1)) if EXIT.search(comment) else 0
    target = None
    if ">" in words:
        k = words.index(">")
        words, target = words[:k], words[k + 1]
    if words[0] == "truthsim":
        from click.testing import CliRunner

        from truthsim.cli import main

        result = CliRunner().invoke(main, words[1:], catch_exceptions=False)
        code, stdout = result.exit_code, result.stdout
        printed = result.output + getattr(result, "stderr", "")
    elif words[0] == "python":
        done = subprocess.run(
            [sys.executable, *words[1:]], cwd=folder, capture_output=True, text=True, timeout=600
        )
        code, stdout, printed = done.returncode, done.stdout, done.stdout + done.stderr
    else:
        raise AssertionError(f"{where}: only truthsim and python commands run here: {command}")
    assert code == expected, f"{where}: $ {command}\nexit status {code}\n{printed}"
    if target:
        (folder / target).write_text(stdout)
    said = squeeze(printed)
    for line in shown:
        assert squeeze(line) in said, f"{where}: $ {command}\ndid not print: {line}\n{printed}"


def run_page(path: Path, folder: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks(path):
        caption = block.options.get("caption", "")
        if caption.startswith(APPEND):
            with open(folder / caption[len(APPEND) :].strip("` "), "a") as file:
                file.write(block.text)
        elif caption:
            (folder / caption.strip("` ")).write_text(block.text)
        elif block.language == "python":
            exec(compile(block.text, block.where, "exec"), namespace)
        elif block.language == "console":
            for line, command, shown in commands(block):
                run_command(f"docs/{block.page}:{line}", command, shown, folder)


def runs_something(path: Path) -> bool:
    """Whether a page has an example to run (which takes more than half a second: slow)."""
    return any(b.language in RUN or b.options.get("caption") for b in blocks(path))


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if runs_something(p) else p for p in PAGES],
    ids=lambda p: p.relative_to(DOCS).as_posix(),
)
def test_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
    for example in (DOCS / "examples").iterdir():
        shutil.copy(example, tmp_path / example.name)
    run_page(path, tmp_path)
    import matplotlib.pyplot as plt

    plt.close("all")


README = DOCS.parent / "README.md"


def test_readme_is_short_and_links_to_pages_that_exist() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    assert text.splitlines()[3].startswith("pip install . && truthsim run scenarios/airline.yaml")
    assert text.splitlines()[4].startswith("pip install '.[test]' && pytest")
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert len(links) >= 10
    for link in links:
        assert (DOCS.parent / link).exists(), link


@pytest.mark.slow
def test_readme_python_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for k, block in enumerate(re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)):
        exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)


def test_the_api_page_names_every_top_level_export() -> None:
    import truthsim

    named = set(re.findall(r"`(\w+)`", (DOCS / "api.md").read_text()))
    assert set(truthsim.__all__) <= named, set(truthsim.__all__) - named

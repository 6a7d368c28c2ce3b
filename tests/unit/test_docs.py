"""The README and docs/ say only what the code and the tests back.

The README stays short and quotes no figure that bench/results does not hold; every link, file,
command, option and setting the docs name exists; the alias table in the user guide is the
code's table.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest

from producer.ingest.columns import alias_table_markdown

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
USER_GUIDE = ROOT / "docs" / "user-guide.md"
RESULTS = ROOT / "bench" / "results"
# The pages a newcomer reads; architecture, design, operations and api are checked elsewhere
# (tests/unit/deploy/test_compose.py runs the runbook's commands).
GUIDES = [README, USER_GUIDE, ROOT / "docs" / "developer-guide.md", ROOT / "docs" / "reference.md"]
MARKDOWN = sorted({README, *(ROOT / "docs").glob("*.md"), *RESULTS.glob("*.md")})
README_MAX_LINES = 150
# The two commands the README promises on a fresh Debian machine.
SETUP_AND_RUN = "bash scripts/setup.sh && .venv/bin/cohortcv run examples/cohort.csv --out out/"
SETUP_AND_TEST = "bash scripts/setup.sh --test && .venv/bin/python -m pytest"

LINK = re.compile(r"\]\(([^)\s]+)\)|<img src=\"([^\"]+)\"")
FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
# A measured figure: a number with a unit of time, size, rate or ratio.
FIGURE = re.compile(
    r"\b\d[\d,.]*\s?(?:ms|s|MB|MiB|GB|GiB|%|×|x|resumes/s|rows/s|tokens/s|sections/s)(?![\w/])"
)


@functools.cache
def _reference() -> ModuleType:
    """deploy/make_reference.py (a script beside make_env_example.py) as a module."""
    path = ROOT / "deploy" / "make_reference.py"
    spec = importlib.util.spec_from_file_location("make_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    return FENCE.sub("", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", _prose(_text(path)), re.M)}


def test_readme_is_short() -> None:
    lines = len(_text(README).splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move detail to docs/"
    )


def test_readme_gives_the_two_commands_and_ci_runs_the_test_command() -> None:
    text = _text(README)
    assert SETUP_AND_RUN in text
    assert SETUP_AND_TEST in text
    ci = _text(ROOT / ".ci" / "run")
    assert "bash scripts/setup.sh --test" in ci and ".venv/bin/python -m pytest" in ci


def test_readme_quotes_no_figure_that_bench_results_does_not_hold() -> None:
    results = "\n".join(_text(p) for p in RESULTS.glob("*.md"))
    quoted = FIGURE.findall(_prose(_text(README)))
    unbacked = [f for f in quoted if f not in results]
    assert not unbacked, f"README.md quotes {unbacked}: put them in bench/results/ and link there"


def test_every_result_file_names_its_date_machine_and_command() -> None:
    files = [p for p in RESULTS.glob("*.md") if p.name != "README.md"]
    assert files
    index = _text(RESULTS / "README.md")
    for path in files:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9-]+-[a-z0-9]+\.md", path.name), path.name
        text = _text(path)
        assert path.name[:10] in text.splitlines()[0], f"{path.name}: the title gives the date"
        assert "Machine" in text or "machine" in text, f"{path.name} names no machine"
        assert re.search(r"bench/\w+\.py|cohortcv \w+", text), f"{path.name} names no command"
        assert path.name in index, f"bench/results/README.md does not list {path.name}"


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for groups in LINK.findall(_prose(_text(path))):
        target = next(g for g in groups if g)
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists() or (
            resolved.suffix == ".md" and anchor and anchor not in _anchors(resolved)
        ):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: broken links {broken}"


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_named_file_exists(path: Path) -> None:
    named = re.findall(
        r"`((?:tests|bench|deploy|scripts|docs|examples|producer|shared|workers)/[\w./<>-]+)`",
        _text(path),
    )
    missing = [n for n in named if "<" not in n and not (ROOT / n).exists()]
    assert not missing, f"{path.relative_to(ROOT)} names files that do not exist: {missing}"


def test_the_user_guide_holds_the_code_s_alias_table() -> None:
    assert alias_table_markdown() in _text(USER_GUIDE), (
        "docs/user-guide.md's column table differs from producer/ingest/columns.py's ALIASES: "
        "paste producer.ingest.columns.alias_table_markdown() into the Input section"
    )


def _commands_in(path: Path) -> list[str]:
    lines = []
    for block in FENCE.findall(_text(path)):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = re.sub(r"^(\S+=\S+ )+", "", line.strip())  # VAR=value prefixes
            line = line.removeprefix(".venv/bin/")
            if line.startswith("cohortcv "):
                lines.append(line.split(" #")[0].split(" | ")[0].split(" && ")[0].strip())
    return lines


@pytest.mark.parametrize("path", GUIDES[:3], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_in_the_guides_is_real(path: Path) -> None:
    commands = {c.path: c for c in _reference().commands()}
    wrong = []
    for line in _commands_in(path):
        words = shlex.split(line)[1:]
        found = next(
            (commands[tuple(words[:n])] for n in (2, 1) if tuple(words[:n]) in commands), None
        )
        if found is None:
            wrong.append(f"{line}: no such command")
            continue
        options = {w.split("=", 1)[0] for w in words if w.startswith("-")}
        wrong += [f"{line}: no option {o}" for o in sorted(options - found.options())]
    assert not wrong, f"{path.relative_to(ROOT)}: {wrong}"


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_setting_named_is_real(path: Path) -> None:
    reference = _reference()
    leaves = {var for _, var, _ in reference.settings_fields()}
    groups = {var.rsplit("__", 1)[0] for var in leaves if "__" in var}
    used = set(re.findall(r"\bCOHORTCV_[A-Z0-9_]*[A-Z0-9]", _text(path)))
    unknown = sorted(u for u in used - leaves - groups if not u.startswith("COHORTCV_TEST_"))
    assert not unknown, f"{path.relative_to(ROOT)} names settings that do not exist: {unknown}"

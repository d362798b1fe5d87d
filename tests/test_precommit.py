"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit and git.

One test installs the hooks the way users get them (``pre-commit try-repo`` builds a Python
environment from a git copy of this working tree, with the dependencies from PyPI). The other
tests take the same hook definitions with ``language: system``, so they run the weightcli of
this environment and need no network."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from conftest import CASES, REPOSITORY, weightcli_command

HOOKS_FILE = REPOSITORY / ".pre-commit-hooks.yaml"
GOOD = CASES / "good.csv"
ALL_ZERO = CASES / "c02_all_zero.csv"
# Files of the working tree that a user's clone would not need to install the hooks.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "tests",
    "benchmarks",
    "sample_data",
)
# Output of pip when PyPI cannot be reached.
NETWORK_ERRORS = (
    "Temporary failure in name resolution",
    "Max retries exceeded",
    "Could not fetch URL",
    "No matching distribution found",
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def load_hooks() -> dict[str, dict[str, Any]]:
    """Return the hook definitions of .pre-commit-hooks.yaml by id."""
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def git_environment(tmp_path: Path) -> dict[str, str]:
    """Return an environment for git and pre-commit that keeps their state in ``tmp_path``."""
    return dict(
        os.environ,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        # A global core.hooksPath would stop `pre-commit install`. HOME stays, so pip's cache
        # serves the hook environment's packages.
        GIT_CONFIG_GLOBAL=os.devnull,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        NO_COLOR="1",
    )


def run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and return the finished process with text output."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


def pre_commit(*arguments: str) -> list[str]:
    """Return the command line of pre-commit from this environment."""
    return [sys.executable, "-m", "pre_commit", *arguments]


def init_repository(folder: Path, env: dict[str, str]) -> None:
    """Create an empty git repository in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    assert run(["git", "init", "-q", "-b", "main"], folder, env).returncode == 0


def commit_count(folder: Path, env: dict[str, str]) -> int:
    """Return the number of commits on HEAD (0 when there is none)."""
    result = run(["git", "rev-list", "--count", "HEAD"], folder, env)
    return int(result.stdout) if result.returncode == 0 else 0


def system_config(*hooks: dict[str, Any]) -> str:
    """Return a .pre-commit-config.yaml that runs the given hooks with ``language: system``.

    The entry runs the weightcli of this environment, with the flags of the hooks file."""
    definitions = load_hooks()
    local_hooks = []
    for settings in hooks:
        hook = dict(definitions[settings["id"]], **settings)
        command, flags = hook["entry"].split(" ", 1)
        assert command == "weightcli"
        hook["entry"] = f"{shlex.join(weightcli_command())} {flags}"
        hook["language"] = "system"
        local_hooks.append(hook)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local_hooks}]}, sort_keys=False)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository with the weightcli-check hook installed as a pre-commit hook."""
    env = git_environment(tmp_path)
    folder = tmp_path / "project"
    init_repository(folder, env)
    (folder / ".pre-commit-config.yaml").write_text(system_config({"id": "weightcli-check"}))
    installed = run(pre_commit("install"), folder, env)
    assert installed.returncode == 0, installed.stderr
    return folder, env


def commit(folder: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    """Stage ``files`` and the config, then run ``git commit`` and its pre-commit hook.

    git sends the hook's output to standard error, so the result's ``stdout`` contains both."""
    assert run(["git", "add", ".pre-commit-config.yaml", *files], folder, env).returncode == 0
    return subprocess.run(
        ["git", "commit", "-m", "Add tables"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=folder,
        env=env,
        timeout=300,
        check=False,
    )


def test_hooks_file_definitions() -> None:
    hooks = load_hooks()

    assert sorted(hooks) == ["weightcli-check", "weightcli-check-table"]
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["entry"] == "weightcli check --quiet"
        assert hook["require_serial"] is False
        assert hook["name"] and hook["description"]
    assert hooks["weightcli-check"]["pass_filenames"] is True
    assert hooks["weightcli-check-table"]["pass_filenames"] is False


@pytest.mark.parametrize(
    ("name", "selected"),
    [
        ("train.csv", True),
        ("data/part-0.parquet", True),
        ("t.tsv", True),
        ("t.pq", True),
        ("notes.txt", False),
        ("t.csv.bak", False),
        ("events.jsonl", False),
        ("parquet", False),
    ],
)
def test_hook_file_pattern(name: str, selected: bool) -> None:
    pattern = re.compile(load_hooks()["weightcli-check"]["files"])

    assert bool(pattern.search(name)) is selected


def test_good_table_commits(project: tuple[Path, dict[str, str]]) -> None:
    folder, env = project
    shutil.copy(GOOD, folder / "train.csv")

    result = commit(folder, env, "train.csv")

    assert result.returncode == 0, result.stdout
    assert re.search(r"weightcli check\.+Passed", result.stdout)
    assert commit_count(folder, env) == 1


def test_bad_table_blocks_commit(project: tuple[Path, dict[str, str]]) -> None:
    folder, env = project
    shutil.copy(GOOD, folder / "train.csv")
    shutil.copy(ALL_ZERO, folder / "valid.csv")

    result = commit(folder, env, "train.csv", "valid.csv")

    assert result.returncode == 1
    assert re.search(r"weightcli check\.+Failed", result.stdout)
    assert "- exit code: 1" in result.stdout
    assert "valid.csv: error   all-zero: all 3 weights are zero" in result.stdout
    assert "train.csv:" not in result.stdout
    assert commit_count(folder, env) == 0


def test_many_staged_tables_checked(project: tuple[Path, dict[str, str]]) -> None:
    folder, env = project
    names = [f"t{index:02d}.csv" for index in range(60)]
    bad = {"t00.csv", "t31.csv", "t59.csv"}
    for name in names:
        shutil.copy(ALL_ZERO if name in bad else GOOD, folder / name)
    (folder / "notes.txt").write_text("not a table\n")

    result = commit(folder, env, *names, "notes.txt")

    assert result.returncode == 1
    reported = set(re.findall(r"^(t\d\d\.csv): error   all-zero", result.stdout, re.MULTILINE))
    assert reported == bad
    assert "notes.txt" not in result.stdout
    assert commit_count(folder, env) == 0


def test_table_hook_checks_folder_whole(tmp_path: Path) -> None:
    env = git_environment(tmp_path)
    folder = tmp_path / "project"
    init_repository(folder, env)
    (folder / ".pre-commit-config.yaml").write_text(
        system_config(
            {"id": "weightcli-check", "exclude": "^data/train/"},
            {"id": "weightcli-check-table", "args": ["data/train/"], "files": "^data/train/"},
        )
    )
    assert run(pre_commit("install"), folder, env).returncode == 0
    train = folder / "data" / "train"
    train.mkdir(parents=True)
    # One part has only zero weights; the table as a whole has 2 of 6 rows at zero.
    pl.DataFrame({"id": [1, 2], "weight": [0.0, 0.0]}).write_parquet(train / "part-0.parquet")
    pl.DataFrame({"id": [3, 4, 5, 6], "weight": [1.0, 2.0, 1.0, 0.5]}).write_parquet(
        train / "part-1.parquet"
    )

    whole = commit(folder, env, "data")
    per_file = run(
        [*weightcli_command(), "check", "--quiet", "data/train/part-0.parquet"], folder, env
    )

    assert whole.returncode == 0, whole.stdout
    assert re.search(r"weightcli check \(whole table\)\.+Passed", whole.stdout)
    assert per_file.returncode == 1

    pl.DataFrame({"id": [3, 4], "weight": [0.0, 0.0]}).write_parquet(train / "part-1.parquet")
    broken = commit(folder, env, "data")

    assert broken.returncode == 1
    assert "data/train: error   all-zero: all 4 weights are zero" in broken.stdout
    assert commit_count(folder, env) == 1


def test_parallel_checks_identical(tmp_path: Path) -> None:
    names = []
    for index in range(12):
        source = ALL_ZERO if index % 4 == 0 else GOOD
        name = f"t{index:02d}.csv"
        shutil.copy(source, tmp_path / name)
        names.append(name)
    command = [*weightcli_command(), "check", "--no-config", "--format", "json", *names]

    def check_all(_: int) -> subprocess.CompletedProcess[str]:
        return run(command, tmp_path, dict(os.environ, NO_COLOR="1"))

    serial = check_all(0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(check_all, range(4)))

    assert serial.returncode == 1
    for result in parallel:
        assert result.returncode == 1
        assert result.stderr == ""
        assert result.stdout == serial.stdout
    assert sorted(tmp_path.iterdir()) == sorted(tmp_path / name for name in names)


@pytest.fixture
def source_clone(tmp_path: Path) -> Path:
    """A git repository with one commit of this working tree, as a user's clone would be."""
    env = git_environment(tmp_path)
    source = tmp_path / "weightcli-source"
    shutil.copytree(REPOSITORY, source, ignore=NOT_COPIED)
    init_repository(source, env)
    assert run(["git", "add", "-A"], source, env).returncode == 0
    assert run(["git", "commit", "-q", "-m", "Working tree"], source, env).returncode == 0
    return source


def test_try_repo_installs_and_checks(tmp_path: Path, source_clone: Path) -> None:
    env = git_environment(tmp_path)
    folder = tmp_path / "project"
    init_repository(folder, env)
    shutil.copy(GOOD, folder / "train.csv")
    shutil.copy(ALL_ZERO, folder / "valid.csv")
    assert run(["git", "add", "train.csv", "valid.csv"], folder, env).returncode == 0

    result = run(
        pre_commit(
            "try-repo", str(source_clone), "weightcli-check", "--files", "train.csv", "valid.csv"
        ),
        folder,
        env,
        timeout=900,
    )

    output = result.stdout + result.stderr
    if result.returncode != 1 and any(error in output for error in NETWORK_ERRORS):
        pytest.skip("PyPI is not reachable, so pre-commit cannot install the hook's environment")
    assert result.returncode == 1, output
    assert re.search(r"weightcli check\.+Failed", result.stdout)
    assert "valid.csv: error   all-zero: all 3 weights are zero" in result.stdout
    assert "train.csv:" not in result.stdout

"""Shell completion through click: ``_WEIGHTCLI_COMPLETE=SHELL_source weightcli``."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import weightcli_command


def complete(variable: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run weightcli with ``_WEIGHTCLI_COMPLETE=variable`` and return the finished process."""
    return subprocess.run(
        weightcli_command(),
        capture_output=True,
        text=True,
        env=dict(os.environ, _WEIGHTCLI_COMPLETE=variable, **(env or {})),
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("shell", "registration"),
    [
        ("bash", "complete -o nosort -F _weightcli_completion weightcli"),
        ("zsh", "compdef _weightcli_completion weightcli"),
        ("fish", "complete --no-files --command weightcli"),
    ],
)
def test_source_script_printed(shell: str, registration: str) -> None:
    result = complete(f"{shell}_source")

    assert result.returncode == 0
    assert result.stderr == ""
    assert "_weightcli_completion" in result.stdout
    assert registration in result.stdout


def bash_items(words: str, current: int) -> list[str]:
    """Return click's bash completion items for the command line ``words``."""
    result = complete("bash_complete", {"COMP_WORDS": words, "COMP_CWORD": str(current)})
    assert result.returncode == 0
    return result.stdout.splitlines()


def test_subcommands_complete() -> None:
    assert bash_items("weightcli ch", 1) == ["plain,check", "plain,checks"]


def test_report_format_choices() -> None:
    assert bash_items("weightcli check --format ", 3) == [
        "plain,text",
        "plain,json",
        "plain,markdown",
        "plain,github",
    ]


def test_task_choices() -> None:
    items = bash_items("weightcli apply t.csv --task static", 4)

    assert items == ["plain,static_link_prediction"]


@pytest.mark.parametrize(
    ("words", "current"),
    [
        ("weightcli check tr", 2),
        ("weightcli apply tr", 2),
        ("weightcli apply t.csv -o tr", 4),
        ("weightcli apply t.csv --lookup tr", 4),
        ("weightcli check t.csv --report tr", 4),
        ("weightcli check t.csv -c tr", 4),
    ],
)
def test_paths_complete_as_files(words: str, current: int) -> None:
    # A `file` item makes the shell list the matching file names itself.
    assert bash_items(words, current) == ["file,tr"]


def test_bash_completion_function(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    command = weightcli_command()
    if len(command) != 1:
        pytest.skip("the weightcli console script is not installed")
    # Click's completion function runs `weightcli` through `env`, so it must be on PATH, as it
    # is for a user who installed the package.
    path = f"{Path(command[0]).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    script = (
        'eval "$(_WEIGHTCLI_COMPLETE=bash_source weightcli)"\n'
        "COMP_WORDS=(weightcli check --color a); COMP_CWORD=3\n"
        "_weightcli_completion weightcli\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )

    result = subprocess.run(
        [bash, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PATH=path),
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["auto", "always"]


def test_fish_completion(tmp_path: Path) -> None:
    fish = shutil.which("fish")
    if fish is None:
        pytest.skip("fish is not installed (apt-get install fish)")
    folder = Path(weightcli_command()[0]).parent
    script = (
        "env _WEIGHTCLI_COMPLETE=fish_source weightcli | source\n"
        'complete -C "weightcli check --fail-on "\n'
    )

    result = subprocess.run(
        [fish, "--no-config", "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"),
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["error", "info", "never", "warning"]


def test_zsh_script_loads(tmp_path: Path) -> None:
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed (apt-get install zsh)")
    script_path = tmp_path / "_weightcli.zsh"
    script_path.write_text(complete("zsh_source").stdout)
    script = (
        f"autoload -Uz compinit && compinit -u -d {shlex.quote(str(tmp_path / 'zcompdump'))}\n"
        f"source {shlex.quote(str(script_path))}\n"
        "print -r -- ${_comps[weightcli]}\n"
    )

    syntax = subprocess.run([zsh, "-n", str(script_path)], capture_output=True, timeout=60)
    loaded = subprocess.run(
        [zsh, "-f", "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, HOME=str(tmp_path)),
        timeout=120,
        check=False,
    )

    assert syntax.returncode == 0, syntax.stderr
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == "_weightcli_completion\n"

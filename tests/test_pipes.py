"""Shell one-liners: standard input and output, jq, -q, closed pipes, Ctrl-C, colour, and
byte-identical reruns. Every test runs the installed ``weightcli`` command."""

from __future__ import annotations

import io
import json
import os
import pty
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import CASES, REPOSITORY, weightcli_command

ESC = b"\x1b"
RULE = "tier = 'gold' => 2"
WEIGHTED_CSV = (
    b"id,tier,value,weight\n"
    b"007,gold,1.5,2.0\n"
    b"8,silver,2.0,1.0\n"
    b"9,gold,3.25,2.0\n"
    b"10,bronze,4.0,1.0\n"
)


def run(
    *arguments: str | Path,
    stdin: bytes = b"",
    cwd: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``weightcli ARGS`` with ``stdin`` and return the finished process."""
    return subprocess.run(
        [*weightcli_command(), *(str(a) for a in arguments)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env or dict(os.environ, NO_COLOR="1"),
        timeout=300,
        check=False,
    )


def small_frame() -> pl.DataFrame:
    """Return a four-row table with an id that keeps its leading zeros."""
    return pl.DataFrame(
        {
            "id": ["007", "8", "9", "10"],
            "tier": ["gold", "silver", "gold", "bronze"],
            "value": [1.5, 2.0, 3.25, 4.0],
        }
    )


def table_bytes(fmt: str) -> bytes:
    """Return the small table encoded in ``fmt``."""
    frame = small_frame()
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.write_csv(buffer)
    elif fmt == "tsv":
        frame.write_csv(buffer, separator="\t")
    elif fmt == "ndjson":
        frame.write_ndjson(buffer)
    elif fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.write_ipc(buffer)
    return buffer.getvalue()


def leftovers(folder: Path) -> list[str]:
    """Return the names of weightcli's temporary files in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".weightcli-tmp"))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "ndjson", "parquet", "ipc"])
def test_stdin_sniffed_to_csv(tmp_path: Path, fmt: str) -> None:
    result = run(
        "apply",
        "-",
        "--no-config",
        "--rule",
        RULE,
        "-o",
        "-",
        "--output-format",
        "csv",
        "-q",
        stdin=table_bytes(fmt),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == WEIGHTED_CSV
    assert result.stderr == b""


@pytest.mark.parametrize(
    ("fmt", "magic"),
    [("parquet", b"PAR1"), ("ipc", b"ARROW1"), ("csv", b"id,tier"), ("tsv", b"id\ttier")],
)
def test_output_format_follows_input(tmp_path: Path, fmt: str, magic: bytes) -> None:
    result = run(
        "apply", "-", "--no-config", "--rule", RULE, "-q", stdin=table_bytes(fmt), cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(magic)


def test_ndjson_in_ndjson_out(tmp_path: Path) -> None:
    result = run(
        "apply", "-", "--no-config", "--rule", RULE, "-q", stdin=table_bytes("ndjson"), cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["weight"] for line in lines] == [2.0, 1.0, 2.0, 1.0]
    assert lines[0] == {"id": "007", "tier": "gold", "value": 1.5, "weight": 2.0}


def test_input_format_overrides_sniffing(tmp_path: Path) -> None:
    # The header has a comma inside a tab-separated name, so sniffing would pick CSV.
    data = b"id\ttier\tnote,x\n1\tgold\ta\n2\tsilver\tb\n"

    result = run(
        "apply",
        "-",
        "--no-config",
        "--rule",
        RULE,
        "--input-format",
        "tsv",
        "-q",
        stdin=data,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == b"id\ttier\tnote,x\tweight\n1\tgold\ta\t2.0\n2\tsilver\tb\t1.0\n"


@pytest.mark.parametrize("fmt", ["parquet", "ipc", "ndjson", "csv"])
def test_apply_pipe_into_check(tmp_path: Path, fmt: str) -> None:
    weightcli = shlex.join(weightcli_command())
    script = (
        f'set -o pipefail; {weightcli} apply - --no-config --rule "{RULE}" '
        f"--output-format {fmt} -q | {weightcli} check - --no-config --format json"
    )

    result = subprocess.run(
        ["bash", "-c", script],
        input=table_bytes("csv"),
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["files"][0]["stats"]["sum"] == 6.0
    assert document["files"][0]["stats"]["rows"] == 4


def test_check_json_python(tmp_path: Path) -> None:
    result = run(
        "check",
        "--no-config",
        "--format",
        "json",
        CASES / "good.csv",
        CASES / "c02_all_zero.csv",
        cwd=tmp_path,
    )

    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["exit_code"] == 1
    assert [f["exit_code"] for f in document["files"]] == [0, 1]
    assert document["files"][0]["stats"]["sum"] == 3.5
    assert document["files"][1]["findings"][0]["check"] == "all-zero"
    assert result.stderr == b""


def test_check_json_jq(tmp_path: Path) -> None:
    jq = shutil.which("jq")
    if jq is None:
        pytest.skip(
            "jq is not installed (apt-get install jq); the JSON report is tested with Python"
        )
    weightcli = shlex.join(weightcli_command())
    good = shlex.quote(str(CASES / "good.csv"))
    bad = shlex.quote(str(CASES / "c02_all_zero.csv"))
    script = (
        f"{weightcli} check --no-config --format json {good} {bad} "
        "| jq -r '.files[] | [.source, .exit_code, (.findings | map(.check) | join(\" \"))] | @tsv'"
    )

    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, cwd=tmp_path, timeout=300, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == [
        f"{CASES / 'good.csv'}\t0\t",
        f"{CASES / 'c02_all_zero.csv'}\t1\tall-zero zero-share",
    ]


def test_quiet_prints_findings_only(tmp_path: Path) -> None:
    good = run("check", "--no-config", "-q", CASES / "good.csv", cwd=tmp_path)
    bad = run("check", "--no-config", "-q", "c02_all_zero.csv", cwd=CASES)

    assert good.returncode == 0
    assert good.stdout == b""
    assert bad.returncode == 1
    lines = bad.stdout.decode().strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("c02_all_zero.csv: error")
    assert "all-zero" in lines[0]
    assert lines[1].startswith("c02_all_zero.csv: warning")
    assert "zero-share" in lines[1]


def big_csv(path: Path, rows: int) -> Path:
    """Write a CSV table of ``rows`` rows with a tier column for the rule."""
    frame = pl.DataFrame({"id": range(rows)}).with_columns(
        pl.when(pl.col("id") % 3 == 0)
        .then(pl.lit("gold"))
        .otherwise(pl.lit("silver"))
        .alias("tier"),
        (pl.col("id") * 0.25).alias("value"),
    )
    frame.write_csv(path)
    return path


def closed_pipe() -> int:
    """Return the write end of a pipe whose read end is already closed."""
    reader, writer = os.pipe()
    os.close(reader)
    return writer


def test_head_ends_quietly(tmp_path: Path) -> None:
    big_csv(tmp_path / "big.csv", 50_000)
    weightcli = shlex.join(weightcli_command())
    script = (
        f'set -o pipefail; {weightcli} apply big.csv --no-config --rule "{RULE}" -o - | head -1'
    )

    result = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        cwd=tmp_path,
        env=dict(os.environ, NO_COLOR="1"),
        timeout=300,
        check=False,
    )

    assert result.returncode == 0
    assert result.stdout == b"id,tier,value,weight\n"
    assert b"Traceback" not in result.stderr
    assert b"Error" not in result.stderr
    assert b"Exception ignored" not in result.stderr
    assert result.stderr.startswith(b"weightcli apply big.csv -> standard output\n")


def test_closed_stdout_keeps_report(tmp_path: Path) -> None:
    big_csv(tmp_path / "big.csv", 50_000)
    writer = closed_pipe()

    result = subprocess.run(
        [*weightcli_command(), "apply", "big.csv", "--no-config", "--rule", RULE, "-o", "-"],
        stdout=writer,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=dict(os.environ, NO_COLOR="1", TMPDIR=str(tmp_path)),
        timeout=300,
        check=False,
    )
    os.close(writer)

    assert result.returncode == 0
    assert b"note: the reader closed standard output before the end of the table" in result.stderr
    assert b"Traceback" not in result.stderr
    assert b"BrokenPipe" not in result.stderr
    assert leftovers(tmp_path) == []


def test_closed_stdout_check_exit_code(tmp_path: Path) -> None:
    # A reader that stops early does not hide findings from the exit code.
    writer = closed_pipe()

    result = subprocess.run(
        [*weightcli_command(), "check", "--no-config", "good.csv", "c02_all_zero.csv"],
        stdout=writer,
        stderr=subprocess.PIPE,
        cwd=CASES,
        timeout=300,
        check=False,
    )
    os.close(writer)

    assert result.returncode == 1
    assert result.stderr == b""


def big_parquet(path: Path, rows: int) -> Path:
    """Write a Parquet table big enough that its CSV sink takes a noticeable time."""
    frame = pl.DataFrame({"id": range(rows)}).with_columns(
        pl.when(pl.col("id") % 3 == 0)
        .then(pl.lit("gold"))
        .otherwise(pl.lit("silver"))
        .alias("tier"),
        (pl.col("id") * 0.25).alias("value"),
        (pl.col("id") % 97).cast(pl.Utf8).alias("segment"),
    )
    frame.write_parquet(path)
    return path


def start_apply(folder: Path, output: str, *extra: str) -> subprocess.Popen[bytes]:
    """Start ``weightcli apply big.parquet -o OUTPUT`` with its temporary files in ``folder``."""
    return subprocess.Popen(
        [
            *weightcli_command(),
            "apply",
            "big.parquet",
            "--no-config",
            "--rule",
            RULE,
            "-o",
            output,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=folder,
        env=dict(os.environ, NO_COLOR="1", TMPDIR=str(folder / "tmp")),
    )


def wait_for_temporary(folder: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until the write has started, that is until its temporary file exists."""
    deadline = time.monotonic() + 240
    while not leftovers(folder) and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before its write started"
        time.sleep(0.005)
    assert leftovers(folder), "no temporary file appeared"


@pytest.fixture(scope="module")
def big_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000,000-row Parquet table, shared by the interrupt tests."""
    return big_parquet(tmp_path_factory.mktemp("big") / "big.parquet", 2_000_000)


@pytest.fixture
def run_folder(tmp_path: Path, big_table: Path) -> Path:
    """A folder with the big table and an empty folder for temporary files."""
    os.link(big_table, tmp_path / "big.parquet")
    (tmp_path / "tmp").mkdir()
    return tmp_path


@pytest.mark.parametrize("output", ["out.csv", "out.parquet"])
def test_sigint_during_write(run_folder: Path, output: str) -> None:
    process = start_apply(run_folder, output)
    wait_for_temporary(run_folder, process)

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=240)

    assert process.returncode == 130
    assert stderr == b"weightcli: interrupted; no output was written\n"
    assert stdout == b""
    assert not (run_folder / output).exists()
    assert leftovers(run_folder) == []


def test_sigint_to_stdout(run_folder: Path) -> None:
    process = start_apply(run_folder, "-")
    wait_for_temporary(run_folder / "tmp", process)

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=240)

    assert process.returncode == 130
    assert stderr == b"weightcli: interrupted; no output was written\n"
    assert stdout == b""
    assert leftovers(run_folder / "tmp") == []


def test_sigint_before_any_output(run_folder: Path) -> None:
    # The table comes from standard input, which stays open, so the run is still reading
    # its input when the signal arrives, however fast the machine.
    process = subprocess.Popen(
        [
            *weightcli_command(),
            *("apply", "-", "--input-format", "csv", "--no-config"),
            *("--rule", RULE, "-o", "out.csv"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=run_folder,
        env=dict(os.environ, NO_COLOR="1", TMPDIR=str(run_folder / "tmp")),
    )
    assert process.stdin is not None
    process.stdin.write(b"tier,value\ngold,1\nsilver,2\n")
    process.stdin.flush()
    time.sleep(0.5)
    assert process.poll() is None, "the run ended before the signal"

    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=240)

    assert process.returncode == 130
    assert stderr == b"weightcli: interrupted; no output was written\n"
    assert not (run_folder / "out.csv").exists()
    assert leftovers(run_folder) == []


def test_sigterm_during_write(run_folder: Path) -> None:
    process = start_apply(run_folder, "out.csv")
    wait_for_temporary(run_folder, process)

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=240)

    assert process.returncode == 143
    assert stderr == b"weightcli: terminated; no output was written\n"
    assert not (run_folder / "out.csv").exists()
    assert leftovers(run_folder) == []


WATCHDOG_SCRIPT = """
import signal, sys, time
from pathlib import Path
from weightcli import interrupts

interrupts.install()
# Block SIGINT in this thread only: the signal then reaches the watchdog thread, and the main
# thread stays asleep like a thread inside a long native call that never checks for signals.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
temporary = Path(sys.argv[1])
temporary.write_bytes(b"partial")
interrupts.register_temporary(temporary)
print("ready", flush=True)
time.sleep(120)
print("not interrupted", flush=True)
"""


def test_watchdog_ends_stuck_run(tmp_path: Path) -> None:
    temporary = tmp_path / ".out.csv.x.weightcli-tmp"
    process = subprocess.Popen(
        [sys.executable, "-c", WATCHDOG_SCRIPT, str(temporary)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    # Give the main thread time to enter its sleep: a signal that arrives while it still runs
    # Python code is handled there, which is the ordinary path, not the watchdog's.
    time.sleep(1.0)

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130
    assert stderr == b"weightcli: interrupted; no output was written\n"
    assert stdout == b""
    assert not temporary.exists()


NOISY_SCRIPT = """
import os, signal, threading, time
from weightcli import interrupts


def worker():
    # Like a polars worker thread that gives up after the signal and prints a panic message.
    time.sleep(1.5)
    os.write(2, b"thread 'worker' panicked\\n")


interrupts.install()
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
threading.Thread(target=worker, daemon=True).start()
print("ready", flush=True)
time.sleep(120)
"""


def test_signal_message_is_only_stderr() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", NOISY_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    # The signal comes at about 1 s, the worker's message at 1.5 s, the watchdog's exit at 2 s.
    time.sleep(1.0)

    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130
    assert stderr == b"weightcli: interrupted; no output was written\n"


def test_ignored_sigint_stays_ignored(tmp_path: Path) -> None:
    # Shells without job control start background jobs with SIGINT ignored.
    script = (
        "import signal\n"
        "from weightcli import interrupts\n"
        "interrupts.install()\n"
        "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )

    assert result.stdout == b"True\n"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_reruns_byte_identical(tmp_path: Path, suffix: str) -> None:
    big_csv(tmp_path / "table.csv", 20_000)
    (tmp_path / "weightcli.yaml").write_text(
        "weight_column: weight\n"
        "target_column: tier\n"
        "rules:\n"
        "  - {name: gold, when: \"tier = 'gold'\", weight: 3}\n"
        "  - {name: big, when: 'value > 100', weight: 'LN(1 + value)'}\n"
        "balance: {column: tier}\n"
        "normalize: mean\n"
    )

    outputs = []
    for attempt in (1, 2):
        output = f"run{attempt}.{suffix}"
        result = run("apply", "table.csv", "-o", output, "-q", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        outputs.append((tmp_path / output).read_bytes())
    streamed = [
        run("apply", "table.csv", "-o", "-", "--output-format", suffix, "-q", cwd=tmp_path).stdout
        for _ in (1, 2)
    ]

    assert outputs[0] == outputs[1]
    assert streamed[0] == streamed[1]
    assert len(outputs[0]) > 100_000


def test_pipe_has_no_escape_codes(tmp_path: Path) -> None:
    plain = run(
        "check", "--no-config", CASES / "c01_negative.csv", cwd=tmp_path, env=dict(os.environ)
    )
    forced = run(
        "check",
        "--no-config",
        "--color",
        "always",
        CASES / "c01_negative.csv",
        cwd=tmp_path,
        env=dict(os.environ),
    )

    assert plain.stdout.count(ESC) == 0
    assert forced.stdout.count(ESC) > 0
    assert forced.stdout.replace(ESC, b"") != plain.stdout


def test_color_always_beats_no_color(tmp_path: Path) -> None:
    result = run("check", "--no-config", "--color", "always", CASES / "good.csv", cwd=tmp_path)

    assert result.stdout.count(ESC) > 0


def test_report_file_never_colored(tmp_path: Path) -> None:
    result = run(
        "check",
        "--no-config",
        "--color",
        "always",
        "--report",
        "report.txt",
        CASES / "c01_negative.csv",
        cwd=tmp_path,
    )

    assert result.returncode == 0
    assert result.stdout.count(ESC) > 0
    text = (tmp_path / "report.txt").read_bytes()
    assert b"negative-weight" in text
    assert text.count(ESC) == 0


def test_table_stream_never_colored(tmp_path: Path) -> None:
    result = run(
        "apply",
        "-",
        "--no-config",
        "--rule",
        RULE,
        "-o",
        "-",
        "--color",
        "always",
        stdin=table_bytes("csv"),
        cwd=tmp_path,
    )

    assert result.returncode == 0
    assert result.stdout == WEIGHTED_CSV
    assert result.stderr.count(ESC) > 0


def run_on_terminal(arguments: list[str], env: dict[str, str], cwd: Path) -> bytes:
    """Run weightcli with standard output and error on a pseudo-terminal; return what it printed."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [*weightcli_command(), *arguments], stdout=secondary, stderr=secondary, cwd=cwd, env=env
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    process.wait(timeout=120)
    return output


@pytest.mark.parametrize(
    ("environment", "colored"),
    [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)],
)
def test_terminal_color_auto(tmp_path: Path, environment: dict[str, str], colored: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.setdefault("TERM", "xterm-256color")
    if env["TERM"] == "dumb":
        env["TERM"] = "xterm-256color"
    env.update(environment)

    output = run_on_terminal(["check", "--no-config", str(CASES / "good.csv")], env, tmp_path)

    assert b"No findings." in output
    assert (output.count(ESC) > 0) is colored


def workflow_steps() -> list[dict[str, str]]:
    """Return the steps of the GitHub Actions workflow in docs/ci.md."""
    text = (REPOSITORY / "docs" / "ci.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    steps: list[dict[str, str]] = workflow["jobs"]["weights"]["steps"]
    return steps


def test_ci_workflow_steps_run(tmp_path: Path) -> None:
    steps = {step["name"]: step for step in workflow_steps() if "name" in step}
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "validation").mkdir()
    small_frame().write_parquet(tmp_path / "data" / "raw" / "train.parquet")
    pl.DataFrame({"id": [1, 2], "weight": [1.0, 2.0]}).write_parquet(
        tmp_path / "data" / "validation" / "a.parquet"
    )
    pl.DataFrame({"id": [1, 2], "weight": [0.0, 0.0]}).write_parquet(
        tmp_path / "data" / "validation" / "b.parquet"
    )
    (tmp_path / "weightcli.yaml").write_text(
        "weight_column: weight\nrules:\n  - {name: gold, when: \"tier = 'gold'\", weight: 2}\n"
    )
    summary = tmp_path / "step_summary"
    summary.write_text("")
    folder = Path(weightcli_command()[0]).parent
    env = dict(
        os.environ,
        PATH=f"{folder}{os.pathsep}{os.environ.get('PATH', '')}",
        GITHUB_STEP_SUMMARY=str(summary),
    )

    def run_step(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", steps[name]["run"]],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
            check=False,
        )

    applied = run_step("Weight the training table")
    checked = run_step("Check the weighted and validation tables")
    summarized = run_step("Add the reports to the job summary")

    assert steps["Add the reports to the job summary"]["if"] == "always()"
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout == ""
    assert pl.read_parquet(tmp_path / "build" / "train.parquet")["weight"].to_list() == [
        2.0,
        1.0,
        2.0,
        1.0,
    ]
    assert checked.returncode == 1
    assert checked.stdout.startswith(
        "::error file=data/validation/b.parquet,title=weightcli all-zero::all 2 weights are zero"
    )
    assert "file=build/train.parquet" not in checked.stdout
    assert summarized.returncode == 0, summarized.stderr
    text = summary.read_text()
    assert "## weightcli apply" in text
    assert "## weightcli check: `data/validation/b.parquet`" in text
    assert ESC not in summary.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "markdown", "github"])
def test_machine_formats_never_colored(tmp_path: Path, fmt: str) -> None:
    result = run(
        "check",
        "--no-config",
        "--format",
        fmt,
        "--color",
        "always",
        CASES / "c01_negative.csv",
        cwd=tmp_path,
    )

    assert result.returncode == 0
    assert b"negative" in result.stdout
    assert result.stdout.count(ESC) == 0


def test_csv_from_stdin_to_parquet_is_typed(tmp_path: Path) -> None:
    text = b"name,count,share,day,flag\nb,1,1.5,2024-01-02,true\na,22,2.5,2024-01-03,false\n"
    output = tmp_path / "out.parquet"

    result = run(
        "apply",
        "-",
        "--input-format",
        "csv",
        "--no-config",
        "-o",
        output,
        "-q",
        stdin=text,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    table = pl.read_parquet(output)
    assert dict(table.schema) == {
        "name": pl.String,
        "count": pl.Int64,
        "share": pl.Float64,
        "day": pl.Date,
        "flag": pl.Boolean,
        "weight": pl.Float64,
    }
    assert table.get_column("count").to_list() == [1, 22]


def test_latin1_csv_to_parquet_is_typed(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("name,x\ncafé,1.5\nnaïve,2\n".encode("latin-1"))
    output = tmp_path / "out.parquet"

    result = run(
        "apply", source, "--encoding", "latin-1", "--no-config", "-o", output, "-q", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    table = pl.read_parquet(output)
    assert table.get_column("name").to_list() == ["café", "naïve"]
    assert table.get_column("x").to_list() == [1.5, 2.0]

"""The checks, schema and init commands, config discovery, and provenance in Parquet outputs."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import SAMPLE_DATA, weightcli_command

from weightcli._version import __version__
from weightcli.checks.registry import CHECKS, CHECKS_BY_ID
from weightcli.cli import main
from weightcli.config.load import _SafeLoader, load_config
from weightcli.config.model import PROFILES
from weightcli.io.read import open_table
from weightcli.scaffold import guess_columns, sql_identifier, yaml_scalar
from weightcli.schema import config_json_schema

INPUTS = Path(__file__).resolve().parent / "golden" / "inputs"


def _invoke(*arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments), catch_exceptions=False)


def _run(folder: Path, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, NO_COLOR="1", COLUMNS="100")
    return subprocess.run(
        [*weightcli_command(), *(str(a) for a in arguments)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def _read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)


# --- weightcli checks ------------------------------------------------------------------------


def test_checks_json_lists_registry() -> None:
    result = _invoke("checks", "--format", "json")
    assert result.exit_code == 0
    catalog = json.loads(result.stdout)
    assert catalog["schema_version"] == 1
    assert catalog["profiles"] == list(PROFILES)
    assert [entry["id"] for entry in catalog["checks"]] == [spec.id for spec in CHECKS]


def test_checks_json_entries() -> None:
    entries = {
        e["id"]: e for e in json.loads(_invoke("checks", "--format", "json").stdout)["checks"]
    }
    negative = entries["negative-weight"]
    assert negative["default_level"] == "warning"
    assert negative["levels"] == {
        "kumo": "warning",
        "xgboost": "error",
        "lightgbm": "error",
        "catboost": "error",
        "sklearn": "warning",
        "torch-sampler": "error",
    }
    assert entries["all-zero"]["levels"]["lightgbm"] == "warning"
    assert entries["all-zero"]["levels"]["kumo"] == "error"
    assert entries["top-share"]["options"] == {"max": 0.5, "min_rows": 100.0}
    assert entries["skew-ratio"]["options"] == {"max": 1000.0}
    assert entries["null-weight"]["description"] == (
        "Some weights are null; Kumo drops rows whose weight is null."
    )
    for spec in CHECKS:
        first_line = (spec.function.__doc__ or "").strip().splitlines()[0]
        assert entries[spec.id]["description"] == first_line.replace("``", "`")


def test_checks_text_table() -> None:
    result = _invoke("checks")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["check", "default", "catches"]
    for spec in CHECKS:
        assert any(line.startswith(f"{spec.id} ") for line in lines), spec.id
    assert "options: max=0.5, min_rows=100" in result.stdout
    assert "options: max=1000" in result.stdout
    assert "profiles: xgboost, lightgbm, catboost, torch-sampler: error" in result.stdout
    assert "\x1b" not in result.stdout


def test_checks_subprocess(tmp_path: Path) -> None:
    result = _run(tmp_path, "checks", "--format", "json")
    assert result.returncode == 0
    assert result.stderr == ""
    assert len(json.loads(result.stdout)["checks"]) == len(CHECKS)


# --- weightcli schema ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = _invoke("schema")
    assert result.exit_code == 0
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _errors(schema: dict[str, Any], config: Any) -> list[str]:
    """Return the validation messages, with those of the failed branches of an anyOf."""
    validator = jsonschema.Draft202012Validator(schema)
    messages = []
    for error in validator.iter_errors(config):
        messages.append(error.message)
        messages += [f"  {branch.message}" for branch in error.context or []]
    return messages


def test_schema_is_valid_json_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == config_json_schema()


def test_schema_checks_section(schema: dict[str, Any]) -> None:
    checks = schema["properties"]["checks"]
    assert checks["additionalProperties"] is False
    assert checks["properties"]["fail_on"]["enum"] == ["error", "warning", "info", "never"]
    assert set(checks["properties"]) == {"fail_on", *CHECKS_BY_ID}
    top_share = checks["properties"]["top-share"]["anyOf"][1]["properties"]
    assert top_share["max"] == {"type": "number", "minimum": 0, "default": 0.5}
    assert schema["$defs"]["CheckLevel"]["enum"] == ["error", "warning", "info", "off"]


def test_schema_accepts_sample_config(schema: dict[str, Any]) -> None:
    config = _read_yaml(SAMPLE_DATA / "weightcli.yaml")
    assert _errors(schema, config) == []


def test_schema_accepts_golden_config(schema: dict[str, Any]) -> None:
    assert _errors(schema, _read_yaml(INPUTS / "config.yaml")) == []


def test_schema_accepts_check_settings(schema: dict[str, Any]) -> None:
    config = {
        "checks": {
            "fail_on": "warning",
            "zero-share": {"max": 0.2},
            "skew-ratio": {"level": "error", "max": 100},
            "low-ess": "off",
        }
    }
    assert _errors(schema, config) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"weight_colum": "w"}, "'weight_colum' was unexpected"),
        ({"clip": {"maxx": 3}}, "'maxx' was unexpected"),
        ({"balance": {"column": "y", "powr": 1}}, "'powr' was unexpected"),
        ({"csv": {"separatr": ";"}}, "'separatr' was unexpected"),
        ({"checks": {"zero-shar": {"max": 0.2}}}, "'zero-shar' was unexpected"),
        ({"checks": {"zero-share": {"maxx": 0.2}}}, "'maxx' was unexpected"),
        ({"checks": {"zero-share": {"max": -1}}}, "-1 is less than the minimum of 0"),
        ({"checks": {"fail_on": "sometimes"}}, "'sometimes' is not one of"),
        ({"checks": {"low-ess": "loud"}}, "'loud' is not one of"),
        ({"mode": "add"}, "'add' is not one of"),
        ({"rules": [{"when": "x > 1"}]}, "'weight' is a required property"),
    ],
)
def test_schema_rejects_invalid(schema: dict[str, Any], config: Any, message: str) -> None:
    errors = _errors(schema, config)
    assert errors
    assert any(message in error for error in errors), errors


# --- weightcli init --------------------------------------------------------------------------


def _write_parquet(folder: Path, name: str, columns: dict[str, Any]) -> Path:
    path = folder / name
    pl.DataFrame(columns).write_parquet(path)
    return path


def _init_config(folder: Path, table: Path) -> tuple[dict[str, Any], Path]:
    path = folder / f"{table.stem}.yaml"
    result = _invoke("init", str(path), "--from", str(table))
    assert result.exit_code == 0, result.stderr
    config = load_config(path)
    return config.model_dump(), path


def test_init_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke("init")
    assert result.exit_code == 0
    assert result.stdout == "wrote weightcli.yaml\n"
    config = load_config(tmp_path / "weightcli.yaml")
    assert config.weight_column == "weight"
    assert config.task is None
    assert config.target_column is None
    text = (tmp_path / "weightcli.yaml").read_text(encoding="utf-8")
    assert "# target_column: TARGET\n" in text
    assert "# Written by `weightcli init`.\n" in text


def test_init_refuses_overwrite(tmp_path: Path) -> None:
    existing = tmp_path / "weightcli.yaml"
    existing.write_text("task: regression\n", encoding="utf-8")
    result = _run(tmp_path, "init")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "weightcli: error: 'weightcli.yaml' already exists; pass --force to overwrite it, "
        "or name another file\n"
    )
    assert existing.read_text(encoding="utf-8") == "task: regression\n"

    forced = _run(tmp_path, "init", "--force")
    assert forced.returncode == 0
    assert existing.read_text(encoding="utf-8").startswith("# weightcli config")


def test_init_unreadable_table(tmp_path: Path) -> None:
    result = _run(tmp_path, "init", "--from", "nope.parquet")
    assert result.returncode == 2
    assert (
        result.stderr == "weightcli: error: input file 'nope.parquet' not found; check the path\n"
    )
    assert not (tmp_path / "weightcli.yaml").exists()


def test_init_to_standard_output(tmp_path: Path) -> None:
    result = _run(tmp_path, "init", "-", "--from", SAMPLE_DATA / "flights.parquet")
    assert result.returncode == 0
    config = yaml.load(result.stdout, Loader=_SafeLoader)
    assert config["task"] == "binary_classification"
    assert config["target_column"] == "TARGET"
    assert config["entity_column"] == "ENTITY"
    assert config["time_column"] == "ANCHOR_TIMESTAMP"
    assert not list(tmp_path.iterdir())


def test_init_flights_validates(tmp_path: Path, schema: dict[str, Any]) -> None:
    config, path = _init_config(tmp_path, SAMPLE_DATA / "flights.parquet")
    assert config["task"] == "binary_classification"
    assert config["target_column"] == "TARGET"
    assert config["entity_column"] == "ENTITY"
    assert config["time_column"] == "ANCHOR_TIMESTAMP"
    assert _errors(schema, _read_yaml(path)) == []


@pytest.mark.parametrize(
    ("columns", "task"),
    [
        ({"TARGET": [True, False, None]}, "binary_classification"),
        ({"target": [0, 1, 1]}, "binary_classification"),
        ({"label": [0.0, 1.0, 0.0]}, "binary_classification"),
        ({"y": [1, 2, 3, 2]}, "multiclass_classification"),
        ({"TARGET": ["cat", "dog", "cat", "bird"]}, "multiclass_classification"),
        ({"TARGET": ["yes", "no", "no"]}, "binary_classification"),
        ({"TARGET": [0.5, 1.25, 3.0]}, "regression"),
        ({"TARGET": list(range(50))}, "regression"),
        ({"TARGET": [[1, 2], [3]]}, "static_link_prediction"),
        (
            {"TARGET": [[1, 2], [3]], "ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)]},
            "temporal_link_prediction",
        ),
    ],
)
def test_init_guesses_task(tmp_path: Path, columns: dict[str, Any], task: str) -> None:
    table = _write_parquet(tmp_path, "t.parquet", columns)
    config, _ = _init_config(tmp_path, table)
    assert config["task"] == task


def test_init_no_task_for_many_labels(tmp_path: Path) -> None:
    table = _write_parquet(tmp_path, "t.parquet", {"TARGET": [f"c{i}" for i in range(30)]})
    config, path = _init_config(tmp_path, table)
    assert config["task"] is None
    assert config["target_column"] == "TARGET"
    text = path.read_text(encoding="utf-8")
    assert (
        "# Kumo task type: not guessed, because TARGET has more than 20 distinct text values.\n"
        in text
    )


def test_init_guesses_columns(tmp_path: Path) -> None:
    table = _write_parquet(
        tmp_path,
        "t.parquet",
        {
            "id": [1, 2],
            "amount": [3.5, 4.0],
            "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)],
            "at": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)],
            "Label": [0, 1],
        },
    )
    config, path = _init_config(tmp_path, table)
    assert config["entity_column"] == "id"
    assert config["target_column"] == "Label"
    assert config["time_column"] == "day"
    assert '#     when: "amount > 0"\n' in path.read_text(encoding="utf-8")


def test_init_from_csv(tmp_path: Path) -> None:
    shutil.copyfile(INPUTS / "train.csv", tmp_path / "train.csv")
    config, _ = _init_config(tmp_path, tmp_path / "train.csv")
    assert config["task"] == "multiclass_classification"
    assert config["target_column"] == "TARGET"
    assert config["entity_column"] == "ENTITY"
    assert config["time_column"] == "signup"


def test_init_existing_weight_column(tmp_path: Path) -> None:
    table = _write_parquet(tmp_path, "t.parquet", {"TARGET": [0, 1], "WEIGHT": [1.0, 2.0]})
    config, path = _init_config(tmp_path, table)
    assert config["weight_column"] == "WEIGHT"
    assert "--overwrite" in path.read_text(encoding="utf-8")


def test_init_quotes_odd_names(tmp_path: Path) -> None:
    table = _write_parquet(tmp_path, "t.parquet", {"my target": [0, 1], "a: b": [1.0, 2.0]})
    guess = guess_columns(open_table(str(table)))
    assert guess.target is None
    config, path = _init_config(tmp_path, table)
    text = path.read_text(encoding="utf-8")
    assert '#     when: "\\"my target\\" > 0"\n' in text
    assert config["target_column"] is None


def test_init_quotes_names_in_keys(tmp_path: Path) -> None:
    _write_parquet(tmp_path, "t.parquet", {"on": [1, 2], "TARGET": [0, 1]})
    (tmp_path / "t.parquet").rename(tmp_path / "odd: name.parquet")
    config, path = _init_config(tmp_path, tmp_path / "odd: name.parquet")
    assert config["task"] == "binary_classification"
    text = path.read_text(encoding="utf-8")
    assert '#     when: "\\"on\\" > 0"\n' in text


def test_yaml_scalar_round_trip() -> None:
    for name in ("TARGET", "on", "off", "yes", "my col", "a: b", "x#y", "1abc", 'quote"d', "é"):
        text = f"key: {yaml_scalar(name)}\n"
        assert yaml.load(text, Loader=_SafeLoader) == {"key": name}
        assert yaml.safe_load(text) == {"key": name}


def test_sql_identifier() -> None:
    assert sql_identifier("distance") == "distance"
    assert sql_identifier("my col") == '"my col"'
    assert sql_identifier('a"b') == '"a""b"'
    assert sql_identifier("on") == '"on"'
    assert sql_identifier("Select") == '"Select"'


# --- config discovery ------------------------------------------------------------------------


def _weights_csv(folder: Path) -> None:
    (folder / "data.csv").write_text("id,w,v\n1,1.0,2\n2,2.0,3\n", encoding="utf-8")


def _config_of(folder: Path, *arguments: str) -> tuple[str | None, str]:
    result = _run(folder, "check", "data.csv", "--format", "json", *arguments)
    assert result.returncode == 0, result.stderr
    file_report = json.loads(result.stdout)["files"][0]
    return file_report["config"], file_report["weight_column"]


def test_discovery_yaml_in_cwd(tmp_path: Path) -> None:
    _weights_csv(tmp_path)
    (tmp_path / "weightcli.yaml").write_text("weight_column: w\n", encoding="utf-8")
    assert _config_of(tmp_path) == (str(tmp_path.resolve() / "weightcli.yaml"), "w")


def test_discovery_hidden_yaml_in_parent(tmp_path: Path) -> None:
    child = tmp_path / "sub" / "deeper"
    child.mkdir(parents=True)
    _weights_csv(child)
    (tmp_path / ".weightcli.yaml").write_text("weight_column: w\n", encoding="utf-8")
    assert _config_of(child) == (str(tmp_path.resolve() / ".weightcli.yaml"), "w")


def test_discovery_plain_name_first(tmp_path: Path) -> None:
    _weights_csv(tmp_path)
    (tmp_path / "weightcli.yaml").write_text("weight_column: w\n", encoding="utf-8")
    (tmp_path / ".weightcli.yaml").write_text("weight_column: v\n", encoding="utf-8")
    assert _config_of(tmp_path) == (str(tmp_path.resolve() / "weightcli.yaml"), "w")


def test_discovery_pyproject(tmp_path: Path) -> None:
    child = tmp_path / "sub"
    child.mkdir()
    _weights_csv(child)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.weightcli]\nweight_column = "w"\n', encoding="utf-8"
    )
    # A pyproject.toml without [tool.weightcli] nearer to the working folder is skipped.
    (child / "pyproject.toml").write_text('[project]\nname = "y"\n', encoding="utf-8")
    assert _config_of(child) == (str(tmp_path.resolve() / "pyproject.toml"), "w")


def test_discovery_yaml_beats_pyproject(tmp_path: Path) -> None:
    child = tmp_path / "sub"
    child.mkdir()
    _weights_csv(child)
    (child / "pyproject.toml").write_text(
        '[tool.weightcli]\nweight_column = "v"\n', encoding="utf-8"
    )
    (tmp_path / "weightcli.yaml").write_text("weight_column: w\n", encoding="utf-8")
    assert _config_of(child) == (str(tmp_path.resolve() / "weightcli.yaml"), "w")


def test_discovery_no_config(tmp_path: Path) -> None:
    _weights_csv(tmp_path)
    (tmp_path / "weightcli.yaml").write_text("weight_column: w\n", encoding="utf-8")
    assert _config_of(tmp_path, "--no-config", "-w", "v") == (None, "v")


def test_discovery_explicit_config_wins(tmp_path: Path) -> None:
    _weights_csv(tmp_path)
    (tmp_path / "weightcli.yaml").write_text("weight_column: nope\n", encoding="utf-8")
    (tmp_path / "other.yaml").write_text("weight_column: v\n", encoding="utf-8")
    assert _config_of(tmp_path, "-c", "other.yaml") == ("other.yaml", "v")


def test_discovery_named_in_text_report(tmp_path: Path) -> None:
    _weights_csv(tmp_path)
    (tmp_path / ".weightcli.yaml").write_text("weight_column: w\n", encoding="utf-8")
    result = _run(tmp_path, "check", "data.csv")
    assert result.returncode == 0
    expected = f"  config: {tmp_path.resolve() / '.weightcli.yaml'} | profile: kumo |"
    assert result.stdout.splitlines()[1].startswith(expected)


def test_discovery_nothing_found(tmp_path: Path) -> None:
    _weights_csv(tmp_path)
    assert _config_of(tmp_path, "-w", "w") == (None, "w")


# --- provenance ------------------------------------------------------------------------------


@pytest.fixture
def weighted_parquet(tmp_path: Path) -> Path:
    shutil.copyfile(INPUTS / "train.csv", tmp_path / "train.csv")
    shutil.copyfile(INPUTS / "config.yaml", tmp_path / "config.yaml")
    result = _run(tmp_path, "apply", "train.csv", "-c", "config.yaml", "-o", "out.parquet", "-q")
    assert result.returncode == 0, result.stderr
    return tmp_path / "out.parquet"


def test_provenance_in_json(weighted_parquet: Path) -> None:
    result = _run(
        weighted_parquet.parent, "check", "out.parquet", "--no-config", "--format", "json"
    )
    assert result.returncode == 0
    provenance = json.loads(result.stdout)["files"][0]["provenance"]
    assert provenance["weightcli_version"] == __version__
    assert provenance["rows_in"] == 24
    assert provenance["rows_out"] == 24
    assert [stage["stage"] for stage in provenance["stages"]] == [
        "rules",
        "balance",
        "clip",
        "normalize",
    ]
    assert [rule["name"] for rule in provenance["config"]["rules"]] == ["gold_tier", "big_spender"]
    assert provenance["config"]["normalize"] == "mean"


def test_provenance_from_stdin(weighted_parquet: Path) -> None:
    result = subprocess.run(
        [*weightcli_command(), "check", "-", "--no-config", "--format", "json"],
        input=weighted_parquet.read_bytes(),
        capture_output=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0
    provenance = json.loads(result.stdout)["files"][0]["provenance"]
    assert provenance["weightcli_version"] == __version__
    assert provenance["rows_out"] == 24


def test_provenance_in_text(weighted_parquet: Path) -> None:
    result = _run(weighted_parquet.parent, "check", "out.parquet", "--no-config")
    line = next(line for line in result.stdout.splitlines() if "provenance:" in line)
    assert line == (
        f"  provenance: weights written by weightcli {__version__}; stages: rules (2 rules, "
        "mode multiply), balance (TARGET, 3 classes, power 0.5 (stay: 0.7071, upgrade: 1.414, "
        "churn: 1.414)), clip (max 4), normalize (mean, scale 0.594325); rules: gold_tier, "
        "big_spender; 24 rows written"
    )


def test_provenance_in_markdown(weighted_parquet: Path) -> None:
    result = _invoke_in(
        weighted_parquet.parent, "check", "out.parquet", "--no-config", "--format", "markdown"
    )
    assert "### Provenance\n" in result
    assert "<details><summary>weightcli metadata of the table</summary>" in result
    assert f'"weightcli_version": "{__version__}"' in result


def _invoke_in(folder: Path, *arguments: str) -> str:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        return _invoke(*arguments).stdout
    finally:
        os.chdir(previous)


def test_no_provenance_without_metadata(tmp_path: Path) -> None:
    pl.DataFrame({"weight": [1.0, 2.0]}).write_parquet(tmp_path / "plain.parquet")
    result = _run(tmp_path, "check", "plain.parquet", "--no-config", "--format", "json")
    assert json.loads(result.stdout)["files"][0]["provenance"] is None
    text = _run(tmp_path, "check", "plain.parquet", "--no-config")
    assert "provenance" not in text.stdout


def test_unreadable_provenance(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"weight": [1.0]}).replace_schema_metadata({"weightcli": "{not json"})
    pq.write_table(table, tmp_path / "odd.parquet")
    result = _run(tmp_path, "check", "odd.parquet", "--no-config")
    assert "  provenance: weightcli metadata is present but is not valid JSON\n" in result.stdout

"""Balance, decay, clip and the stage figures, pinned against references.

References: the balance formula ``(n / (k * count_c)) ** power`` and scikit-learn's
``compute_sample_weight("balanced", y)``; ``0.5 ** (age / half_life)`` computed by hand;
trimming with redistribution against a plain iterative implementation written here."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import SAMPLE_DATA, RunCli
from sklearn.utils.class_weight import compute_sample_weight

import weightcli
from weightcli.config.model import Clip
from weightcli.errors import ConfigError, InputError
from weightcli.report.model import FileReport
from weightcli.weights.stages import fit_clip


def weights_of(frame: pl.DataFrame, config: dict[str, Any]) -> tuple[np.ndarray, FileReport]:
    """Apply ``config`` to ``frame`` and return the weight column and the file report."""
    lazy, report = weightcli.apply(frame, config)
    weights = lazy.collect().get_column("weight").to_numpy()
    return weights, report.files[0]


def stage(report: FileReport, name: str) -> Any:
    """Return the stage figures named ``name``."""
    matches = [figures for figures in report.stages if figures.stage == name]
    assert len(matches) == 1, [figures.stage for figures in report.stages]
    return matches[0]


# Balance


def test_balance_formula_exact() -> None:
    rng = np.random.default_rng(7)
    labels = rng.choice([0, 1, 2, 3], size=1000, p=[0.6, 0.25, 0.1, 0.05])
    weights, _ = weights_of(pl.DataFrame({"y": labels}), {"balance": {"column": "y"}})

    counts = Counter(labels.tolist())
    expected = np.array([1000 / (4 * counts[value]) for value in labels.tolist()])
    assert np.array_equal(weights, expected)


@pytest.mark.parametrize(
    "labels",
    [
        [0, 0, 0, 1, 1, 2, 0, 0, 1, 0],
        ["cat", "dog", "dog", "eel", "cat", "cat", "cat"],
        [True, False, False, False, True, False],
    ],
    ids=["int", "string", "bool"],
)
def test_balance_matches_scikit_learn(labels: list[Any]) -> None:
    weights, _ = weights_of(pl.DataFrame({"y": labels}), {"balance": {"column": "y"}})
    expected = compute_sample_weight("balanced", np.array(labels))
    np.testing.assert_allclose(weights, expected, rtol=1e-15, atol=0)


def test_balance_scikit_learn_random() -> None:
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 9, size=5000) ** 2
    weights, _ = weights_of(pl.DataFrame({"y": labels}), {"balance": {"column": "y"}})
    np.testing.assert_allclose(
        weights, compute_sample_weight("balanced", labels), rtol=1e-15, atol=0
    )


def test_balance_power_half() -> None:
    labels = np.array([0] * 90 + [1] * 10)
    weights, report = weights_of(
        pl.DataFrame({"y": labels}), {"balance": {"column": "y", "power": 0.5}}
    )
    expected = compute_sample_weight("balanced", labels) ** 0.5
    np.testing.assert_allclose(weights, expected, rtol=1e-15, atol=0)
    assert weights[0] == pytest.approx(math.sqrt(100 / 180))
    assert weights[-1] == pytest.approx(math.sqrt(5.0))
    assert "power 0.5" in stage(report, "balance").detail


def test_balance_power_zero_is_neutral() -> None:
    weights, _ = weights_of(
        pl.DataFrame({"y": [0, 0, 0, 1]}), {"balance": {"column": "y", "power": 0.0}}
    )
    assert weights.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_balance_multiplies_rule_weight() -> None:
    frame = pl.DataFrame({"y": [0, 0, 0, 1], "x": [1, 2, 3, 4]})
    config = {"rules": [{"when": "x >= 3", "weight": 10}], "balance": {"column": "y"}}
    weights, _ = weights_of(frame, config)
    # Factors: class 0 -> 4 / (2 * 3), class 1 -> 4 / (2 * 1) = 2.
    assert weights.tolist() == pytest.approx([2 / 3, 2 / 3, 20 / 3, 20.0], rel=1e-15)


def test_balance_null_ignored_default() -> None:
    labels = [1, None, 0, 0, 0, None, 1, 0]
    weights, report = weights_of(pl.DataFrame({"y": labels}), {"balance": {"column": "y"}})

    labelled = np.array([value for value in labels if value is not None])
    expected_labelled = compute_sample_weight("balanced", labelled)
    mask = np.array([value is not None for value in labels])
    np.testing.assert_allclose(weights[mask], expected_labelled, rtol=1e-15, atol=0)
    assert weights[~mask].tolist() == [1.0, 1.0]
    assert "2 classes" in stage(report, "balance").detail
    assert any(
        note.startswith("balance: 2 rows have a null 'y'; they are left out")
        for note in report.notes
    )


def test_balance_null_as_class() -> None:
    labels = [1, None, 0, 0, 0, None, 1, 0]
    config = {"balance": {"column": "y", "null": "class"}}
    weights, report = weights_of(pl.DataFrame({"y": labels}), config)

    sentinel = np.array([-1 if value is None else value for value in labels])
    np.testing.assert_allclose(
        weights, compute_sample_weight("balanced", sentinel), rtol=1e-15, atol=0
    )
    # 8 rows, 3 classes, 2 null rows: 8 / (3 * 2).
    assert weights[1] == pytest.approx(4 / 3, rel=1e-15)
    assert "null: 1.333" in stage(report, "balance").detail


def test_balance_null_error_api() -> None:
    with pytest.raises(InputError) as caught:
        weightcli.apply(
            pl.DataFrame({"y": [1, 0, None]}), {"balance": {"column": "y", "null": "error"}}
        )
    assert str(caught.value) == (
        "balance.column 'y' has 1 null values (first at row 3); set balance.null to ignore "
        "(keep their weight) or class (balance them as a class of their own)"
    )


def test_balance_list_column_rejected() -> None:
    frame = pl.DataFrame({"y": [[1, 2], [3]]})
    with pytest.raises(ConfigError) as caught:
        weightcli.apply(frame, {"balance": {"column": "y"}})
    assert str(caught.value) == (
        "balance.column 'y' is a nested column (List(Int64)), but balance needs one class "
        "value per row; choose a column with one value per row"
    )


def test_balance_all_null_ignored_is_error() -> None:
    frame = pl.DataFrame({"y": pl.Series([None, None], dtype=pl.Int64)})
    with pytest.raises(InputError, match="has no class values to count"):
        weightcli.apply(frame, {"balance": {"column": "y"}})


def test_balance_cli_null_error(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("ENTITY,TARGET\n1,1\n2,\n3,0\n")
    result = run_cli(
        "apply", table, "--no-config", "--balance", "TARGET", "--balance-null", "error",
        "-o", "out.csv",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "weightcli: error: balance.column 'TARGET' has 1 null values (first at row 2); set "
        "balance.null to ignore (keep their weight) or class (balance them as a class of "
        "their own)\n"
    )
    assert not (tmp_path / "out.csv").exists()


def test_balance_cli_list_column(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.parquet"
    pl.DataFrame({"TARGET": [[1, 2], [3]]}).write_parquet(table)
    result = run_cli("apply", table, "--no-config", "--balance", "TARGET", "-o", "out.parquet")
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert lines == [
        "weightcli: error: balance.column 'TARGET' is a nested column (List(Int64)), but "
        "balance needs one class value per row; choose a column with one value per row"
    ]
    assert not (tmp_path / "out.parquet").exists()


def test_balance_cli_csv_power(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("ENTITY,TARGET\n01,a\n02,a\n03,a\n04,b\n")
    result = run_cli(
        "apply", table, "--no-config", "--balance", "TARGET", "--balance-power", "0.5",
        "-o", "out.csv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.get_column("ENTITY").to_list() == ["01", "02", "03", "04"]
    weights = out.get_column("weight").cast(pl.Float64).to_list()
    assert weights == pytest.approx([math.sqrt(4 / 6)] * 3 + [math.sqrt(2.0)], rel=1e-15)


# Decay

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@pytest.mark.parametrize("unit", ["s", "m", "h", "d", "w"])
def test_decay_halves_each_half_life(unit: str) -> None:
    reference = datetime(2024, 6, 1, 12, 0, 0)
    step = timedelta(seconds=3 * UNIT_SECONDS[unit])
    stamps = [reference - k * step for k in range(4)]
    weights, _ = weights_of(
        pl.DataFrame({"ts": stamps}), {"decay": {"column": "ts", "half_life": f"3{unit}"}}
    )
    assert weights.tolist() == [1.0, 0.5, 0.25, 0.125]


def test_decay_fractional_age() -> None:
    reference = datetime(2024, 1, 31)
    stamps = [reference, reference - timedelta(days=45), reference - timedelta(days=7)]
    weights, _ = weights_of(
        pl.DataFrame({"ts": stamps}), {"decay": {"column": "ts", "half_life": "30d"}}
    )
    assert weights.tolist() == pytest.approx([1.0, 0.5**1.5, 0.5 ** (7 / 30)], rel=1e-15)


def test_decay_date_column() -> None:
    days = [date(2024, 3, 10), date(2024, 3, 3), date(2024, 2, 25)]
    weights, report = weights_of(
        pl.DataFrame({"day": days}), {"decay": {"column": "day", "half_life": "1w"}}
    )
    assert weights.tolist() == [1.0, 0.5, 0.25]
    assert stage(report, "decay").detail == "day, half-life 1w, reference 2024-03-10T00:00:00"


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
def test_decay_time_zone_aware(time_zone: str) -> None:
    stamps = pl.Series(
        "ts", [datetime(2024, 1, 2, 5), datetime(2024, 1, 1, 5), datetime(2024, 1, 2, 17)]
    ).dt.replace_time_zone(time_zone)
    weights, _ = weights_of(stamps.to_frame(), {"decay": {"column": "ts", "half_life": "12h"}})
    assert weights.tolist() == [0.5, 0.125, 1.0]


def test_decay_nanosecond_column() -> None:
    stamps = pl.Series("ts", [datetime(2024, 1, 2), datetime(2024, 1, 1)], dtype=pl.Datetime("ns"))
    weights, _ = weights_of(stamps.to_frame(), {"decay": {"column": "ts", "half_life": "1d"}})
    assert weights.tolist() == [1.0, 0.5]


def test_decay_reference_timestamp_and_rows_after() -> None:
    stamps = [datetime(2024, 1, 1), datetime(2024, 1, 11), datetime(2024, 1, 21)]
    config = {"decay": {"column": "ts", "half_life": "10d", "reference": "2024-01-11T00:00:00Z"}}
    weights, report = weights_of(pl.DataFrame({"ts": stamps}), config)
    assert weights.tolist() == [0.5, 1.0, 2.0]
    assert (
        "decay: 1 rows are after the reference 2024-01-11T00:00:00, so their factor is above 1"
        in report.notes
    )


def test_decay_reference_with_offset_on_aware_column() -> None:
    stamps = pl.Series("ts", [datetime(2024, 1, 1, 0)]).dt.replace_time_zone("UTC")
    config = {
        "decay": {"column": "ts", "half_life": "1h", "reference": "2024-01-01T03:00:00+02:00"}
    }
    weights, _ = weights_of(stamps.to_frame(), config)
    # 03:00+02:00 is 01:00 UTC, one hour after the row.
    assert weights.tolist() == [0.5]


def test_decay_invalid_reference() -> None:
    with pytest.raises(ConfigError, match=r"decay\.reference 'yesterday' is invalid"):
        weightcli.apply(
            pl.DataFrame({"ts": [datetime(2024, 1, 1)]}),
            {"decay": {"column": "ts", "half_life": "1d", "reference": "yesterday"}},
        )


def test_decay_rejects_numeric_column() -> None:
    with pytest.raises(ConfigError) as caught:
        weightcli.apply(
            pl.DataFrame({"ts": [1, 2]}), {"decay": {"column": "ts", "half_life": "1d"}}
        )
    assert str(caught.value).startswith("decay.column 'ts' has type Int64, expected a date")


def test_decay_null_timestamps_follow_on_null() -> None:
    frame = pl.DataFrame({"ts": [datetime(2024, 1, 2), None, datetime(2024, 1, 1)]})
    decay = {"column": "ts", "half_life": "1d"}

    weights, report = weights_of(frame, {"decay": decay, "on_null": "default", "default": 3})
    assert weights.tolist() == [3.0, 3.0, 1.5]
    assert (
        "decay: 1 rows have a null 'ts', so their weight is null and on_null decides what "
        "they get" in report.notes
    )

    weights, report = weights_of(frame, {"decay": decay, "on_null": "drop"})
    assert weights.tolist() == [1.0, 0.5]
    assert report.rows_out == 2

    lazy, full = weightcli.apply(frame, {"decay": decay})
    findings = {finding.check: finding.level for finding in full.files[0].findings}
    assert findings == {"null-weight": "error"}
    assert lazy.collect().get_column("weight").to_list() == [1.0, None, 0.5]


def test_decay_csv_utc_timestamps(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text(
        "ENTITY,ANCHOR_TIMESTAMP\n"
        "a,2013-01-01T10:00:00Z\n"
        "b,2013-01-31T10:00:00Z\n"
        "c,2013-03-02T10:00:00Z\n"
    )
    result = run_cli(
        "apply", table, "--no-config", "--decay", "ANCHOR_TIMESTAMP:30d", "-o", "out.csv"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "out.csv").read_text() == (
        "ENTITY,ANCHOR_TIMESTAMP,weight\n"
        "a,2013-01-01T10:00:00Z,0.25\n"
        "b,2013-01-31T10:00:00Z,0.5\n"
        "c,2013-03-02T10:00:00Z,1.0\n"
    )


def test_decay_cli_null_timestamp_errors(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("ENTITY,ts\na,2013-01-02\nb,\nc,2013-01-01\n")
    result = run_cli("apply", table, "--no-config", "--decay", "ts:1d", "-o", "out.csv")
    assert result.returncode == 1
    stdout = result.stdout.decode()
    assert re.search(r"error +null-weight: 1 of 3 weights are null \(row 2\)", stdout)
    assert "no table written because of error findings" in stdout
    assert not (tmp_path / "out.csv").exists()

    result = run_cli(
        "apply", table, "--no-config", "--decay", "ts:1d", "--on-null", "drop", "-o", "out.csv"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert (
        tmp_path / "out.csv"
    ).read_text() == "ENTITY,ts,weight\na,2013-01-02,1.0\nc,2013-01-01,0.5\n"


def test_decay_cli_bad_half_life(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("ts\n2013-01-02\n")
    result = run_cli("apply", table, "--no-config", "--decay", "ts:30x", "-o", "out.csv")
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert stderr.count("\n") == 1
    assert "half-life '30x' is invalid" in stderr


# Clip


def clip_weights(values: list[float] | np.ndarray, **clip: Any) -> tuple[np.ndarray, FileReport]:
    """Clip ``values`` (used as the base weight) and return the weights and the report."""
    frame = pl.DataFrame({"w": np.asarray(values, dtype=np.float64)})
    return weights_of(frame, {"default": "w", "clip": clip})


def test_clip_min_max() -> None:
    weights, report = clip_weights([0.001, 0.5, 3.0, 250.0], min=0.01, max=100)
    assert weights.tolist() == [0.01, 0.5, 3.0, 100.0]
    assert "clip: lowered 1 row to 100" in report.notes
    assert "clip: raised 1 row to 0.01" in report.notes


def test_clip_notes_name_rows_moved() -> None:
    _, report = clip_weights([1.0, 2.0, 3.0, 4.0], min=0.5, max=3)
    assert "clip: no weight was below 0.5, so no row was raised" in report.notes
    assert "clip: lowered 1 row to 3" in report.notes

    _, report = clip_weights([1.0, 5.0, 6.0], min=2, max=10)
    assert "clip: raised 1 row to 2" in report.notes
    assert "clip: no weight was above 10, so no row was lowered" in report.notes


def test_clip_max_quantile_matches_numpy() -> None:
    values = np.random.default_rng(3).lognormal(0.0, 1.5, size=1001)
    weights, report = clip_weights(values, max_quantile=0.9)
    cap = float(np.quantile(values, 0.9))
    np.testing.assert_array_equal(weights, np.minimum(values, cap))
    assert stage(report, "clip").max == cap


def test_clip_max_median_ratio() -> None:
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 100.0]
    weights, _ = clip_weights(values, max_median_ratio=2.0)
    # Median of the positive weights 1, 2, 3, 4, 100 is 3, so the cap is 6.
    assert weights.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 6.0]


def test_clip_takes_smallest_cap() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 100.0]
    weights, report = clip_weights(values, max=50, max_median_ratio=2.0)
    assert weights.tolist() == [1.0, 2.0, 3.0, 4.0, 6.0]
    assert stage(report, "clip").detail == "max 6 (max 50; 2 x median = 6)"


def test_clip_min_above_cap_rejected() -> None:
    with pytest.raises(ConfigError) as caught:
        clip_weights([1.0, 2.0, 2.0, 3.0, 9.0], min=5, max_quantile=0.5)
    assert str(caught.value) == (
        "clip.min 5 is above the upper bound 2 (quantile 0.5 = 2); lower clip.min or raise "
        "the upper bound"
    )


def test_clip_keeps_non_finite() -> None:
    weights, report = clip_weights([1.0, math.inf, math.nan, 50.0], min=0.5, max=10)
    assert weights[0] == 1.0
    assert math.isinf(weights[1])
    assert math.isnan(weights[2])
    assert weights[3] == 10.0
    assert {finding.check for finding in report.findings} == {"non-finite"}


def trim_reference(values: np.ndarray, cap: float) -> np.ndarray:
    """Trim to ``cap`` and spread the excess over untrimmed weights in proportion to them,
    again and again until no weight exceeds the cap."""
    weights = values.astype(np.float64).copy()
    total = weights.sum()
    trimmed = np.zeros(len(weights), dtype=bool)
    for _ in range(10_000):
        trimmed |= weights > cap
        weights[trimmed] = cap
        free = ~trimmed
        weights[free] *= (total - cap * trimmed.sum()) / weights[free].sum()
        if not (weights > cap).any():
            return weights
    raise AssertionError("the reference did not converge")


# The cap is met within a relative tolerance of 1e-12. Untrimmed weights are scaled by a
# factor whose rounding can put a weight that lands exactly on the cap one ulp above it.
CAP_TOLERANCE = 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_redistribute_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(0.0, 1.2, size=2000)
    cap = float(np.quantile(values, 0.95))
    weights, report = clip_weights(values, max=cap, redistribute=True)

    assert weights.sum() == pytest.approx(values.sum(), rel=1e-9)
    assert weights.max() <= cap * (1 + CAP_TOLERANCE)
    np.testing.assert_allclose(weights, trim_reference(values, cap), rtol=1e-9, atol=0)

    # The moved mass is what the untrimmed rows gained.
    untrimmed = weights < cap * (1 - 1e-9)
    moved = float((weights[untrimmed] - values[untrimmed]).sum())
    note = next(note for note in report.notes if note.startswith("clip: trimmed"))
    found = re.fullmatch(
        r"clip: trimmed ([\d,]+) rows to (\S+) and moved (\S+) of weight mass to the other rows",
        note,
    )
    assert found is not None, note
    assert int(found.group(1).replace(",", "")) == int(np.count_nonzero(~untrimmed))
    assert float(found.group(2)) == pytest.approx(cap, rel=1e-5)
    assert float(found.group(3)) == pytest.approx(moved, rel=1e-5)


def test_redistribute_cascades() -> None:
    # Round 1 trims 30 to 12 and scales 3, 4, 5, 8 by (50 - 12) / 20 = 1.9, which puts 8 at
    # 15.2, above the cap. Round 2 trims it too and scales 3, 4, 5 by (50 - 24) / 12.
    values = np.array([3.0, 4.0, 5.0, 8.0, 30.0])
    weights, _ = clip_weights(values, max=12, redistribute=True)
    np.testing.assert_allclose(weights, trim_reference(values, 12.0), rtol=1e-12)
    factor = 26 / 12
    expected = [3 * factor, 4 * factor, 5 * factor, 12.0, 12.0]
    assert weights.tolist() == pytest.approx(expected, rel=1e-12)


def test_redistribute_exact_small_case() -> None:
    weights, report = clip_weights([1.0, 1.0, 2.0, 8.0], max=4, redistribute=True)
    # 8 -> 4 moves 4 over 1 + 1 + 2 = 4, doubling them: 2, 2, 4, 4.
    assert weights.tolist() == [2.0, 2.0, 4.0, 4.0]
    assert "clip: trimmed 1 rows to 4 and moved 4 of weight mass to the other rows" in report.notes


def test_redistribute_zero_weights_stay_zero() -> None:
    weights, _ = clip_weights([0.0, 0.0, 1.0, 1.0, 6.0], max=3, redistribute=True)
    assert weights.tolist() == [0.0, 0.0, 2.5, 2.5, 3.0]


def test_redistribute_ties_at_threshold() -> None:
    values = np.array([1.0, 1.0, 5.0, 5.0, 5.0, 20.0])
    weights, _ = clip_weights(values, max=8, redistribute=True)
    np.testing.assert_allclose(weights, trim_reference(values, 8.0), rtol=1e-12)
    assert weights.sum() == pytest.approx(37.0, rel=1e-12)
    # The three tied rows move together: all trimmed or none.
    assert len(set(weights[2:5].tolist())) == 1


def test_redistribute_capacity_error() -> None:
    with pytest.raises(ConfigError) as caught:
        clip_weights([1.0, 2.0, 10.0], max=4, redistribute=True)
    assert str(caught.value) == (
        "clip max 4 cannot hold the total weight 13 over 3 rows with a positive weight "
        "(rows x max = 12); raise the max or turn redistribution off"
    )


def test_redistribute_zero_rows_do_not_count() -> None:
    # Four rows x 4 = 16 would hold 13, but the zero row cannot take any mass.
    with pytest.raises(ConfigError, match="over 3 rows with a positive weight"):
        clip_weights([0.0, 1.0, 2.0, 10.0], max=4, redistribute=True)


def test_redistribute_rejects_negative() -> None:
    with pytest.raises(ConfigError, match=r"clip\.redistribute needs weights of zero or more"):
        clip_weights([-1.0, 2.0, 10.0], max=4, redistribute=True)


def test_redistribute_full_capacity() -> None:
    weights, _ = clip_weights([1.0, 3.0], max=2, redistribute=True)
    assert weights.tolist() == [2.0, 2.0]


def test_fit_clip_plan_fields() -> None:
    fitted, plan = fit_clip(Clip(max=4, redistribute=True), pl.Series([1.0, 1.0, 2.0, 8.0, None]))
    assert (plan.cap, plan.threshold, plan.factor, plan.trimmed_rows, plan.moved_mass) == (
        4.0,
        8.0,
        2.0,
        1,
        4.0,
    )
    assert fitted.detail == "max 4; redistributed over untrimmed rows (factor 2)"


def test_redistribute_cli_capacity_error(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("w\n1\n2\n10\n")
    result = run_cli(
        "apply", table, "--no-config", "--default", "w", "--clip", ":4", "--clip-redistribute",
        "-o", "out.csv",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "weightcli: error: clip max 4 cannot hold the total weight 13 over 3 rows with a "
        "positive weight (rows x max = 12); raise the max or turn redistribution off\n"
    )
    assert not (tmp_path / "out.csv").exists()


def test_redistribute_cli_quantile(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "train.parquet"
    values = np.random.default_rng(5).lognormal(0.0, 1.0, size=500)
    pl.DataFrame({"w": values}).write_parquet(table)
    result = run_cli(
        "apply", table, "--no-config", "--default", "w", "--clip-max-quantile", "0.9",
        "--clip-redistribute", "-o", "out.parquet", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    weights = pl.read_parquet(tmp_path / "out.parquet").get_column("weight").to_numpy()
    cap = float(np.quantile(values, 0.9))
    assert weights.sum() == pytest.approx(values.sum(), rel=1e-9)
    assert weights.max() <= cap * (1 + CAP_TOLERANCE)
    np.testing.assert_allclose(weights, trim_reference(values, cap), rtol=1e-9, atol=0)


# Stage figures


def kish(values: list[float]) -> float:
    """Kish effective sample size of positive weights."""
    return sum(values) ** 2 / sum(v * v for v in values)


def test_stage_figures_by_hand() -> None:
    frame = pl.DataFrame(
        {
            "x": [1, 2, 3, 4],
            "y": ["a", "a", "a", "b"],
            "ts": [datetime(2024, 1, 3), datetime(2024, 1, 2), datetime(2024, 1, 3),
                   datetime(2024, 1, 1)],
        }
    )  # fmt: skip
    config = {
        "rules": [{"when": "x >= 3", "weight": 4}],
        "balance": {"column": "y"},
        "decay": {"column": "ts", "half_life": "1d"},
        "clip": {"max": 2.5},
        "normalize": "mean",
    }
    weights, report = weights_of(frame, config)

    rules = [1.0, 1.0, 4.0, 4.0]
    factors = [4 / 6, 4 / 6, 4 / 6, 2.0]
    balanced = [w * f for w, f in zip(rules, factors, strict=True)]  # 2/3, 2/3, 8/3, 8
    decayed = [balanced[0], balanced[1] / 2, balanced[2], balanced[3] / 4]  # 2/3, 1/3, 8/3, 2
    clipped = [min(w, 2.5) for w in decayed]  # 2/3, 1/3, 2.5, 2
    scale = 4 / sum(clipped)
    normalized = [w * scale for w in clipped]

    expected = {
        "rules": rules,
        "balance": balanced,
        "decay": decayed,
        "clip": clipped,
        "normalize": normalized,
    }
    assert [figures.stage for figures in report.stages] == list(expected)
    for name, values in expected.items():
        figures = stage(report, name)
        assert figures.sum == pytest.approx(sum(values), rel=1e-12), name
        assert figures.min == pytest.approx(min(values), rel=1e-12), name
        assert figures.max == pytest.approx(max(values), rel=1e-12), name
        assert figures.ess == pytest.approx(kish(values), rel=1e-12), name
    assert weights.tolist() == pytest.approx(normalized, rel=1e-12)
    assert stage(report, "normalize").sum == pytest.approx(4.0, rel=1e-12)
    assert stage(report, "rules").detail == "1 rule, mode first"


def test_stage_figures_constant_default_cover_every_row() -> None:
    _, report = weights_of(pl.DataFrame({"x": [1, 2, 3]}), {})
    figures = stage(report, "rules")
    assert (figures.sum, figures.min, figures.max, figures.ess) == (3.0, 1.0, 1.0, 3.0)
    assert report.rows_out == 3


# Sample data through the command line


def test_flights_decay_and_balance(run_cli: RunCli, tmp_path: Path) -> None:
    source = SAMPLE_DATA / "flights.parquet"
    result = run_cli(
        "apply", source, "--no-config", "--decay", "ANCHOR_TIMESTAMP:30d", "--balance",
        "TARGET", "-o", "out.parquet", "--format", "json", "--report", "report.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()

    table = pl.read_parquet(source, columns=["ANCHOR_TIMESTAMP", "TARGET"])
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out.height == table.height == 336_776
    assert out.get_column("ANCHOR_TIMESTAMP").equals(table.get_column("ANCHOR_TIMESTAMP"))

    target = table.get_column("TARGET")
    labelled = target.drop_nulls().to_numpy()
    factors = np.ones(table.height)
    mask = target.is_not_null().to_numpy()
    factors[mask] = compute_sample_weight("balanced", labelled)
    reference = table.get_column("ANCHOR_TIMESTAMP").max()
    assert isinstance(reference, datetime)
    assert reference == datetime(2014, 1, 1, 4, tzinfo=UTC)
    ages = (
        reference - table.get_column("ANCHOR_TIMESTAMP")
    ).dt.total_microseconds().to_numpy() / 1e6
    expected = factors * 0.5 ** (ages / (30 * 86400))
    np.testing.assert_allclose(out.get_column("weight").to_numpy(), expected, rtol=1e-12)

    import json

    document = json.loads((tmp_path / "report.json").read_text())
    file_report = document["files"][0]
    assert [s["stage"] for s in file_report["stages"]] == ["rules", "balance", "decay"]
    assert file_report["stages"][1]["sum"] == pytest.approx(float(factors.sum()), rel=1e-12)
    assert (
        "balance: 9,430 rows have a null 'TARGET'; they are left out of the class counts and "
        "keep their weight (set balance.null: class or error to change this)"
        in file_report["notes"]
    )


def test_balance_shorthand_names_column() -> None:
    table = pl.DataFrame({"TARGET": [1, 0, 0]})

    result, _ = weightcli.apply(table, {"balance": "TARGET"})

    assert result.collect().get_column("weight").to_list() == [1.5, 0.75, 0.75]

"""Statistics of a weight column against numpy references and hand-computed values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import weightcli
from weightcli.report.model import Stats
from weightcli.stats import QUANTILES, compute_stats, quantile_name

REL = 1e-12


def reference(values: list[float | None]) -> dict[str, float | int | None]:
    """Compute every figure with numpy, straight from its definition."""
    present = np.array([v for v in values if v is not None], dtype=np.float64)
    finite = present[np.isfinite(present)]
    positive = finite[finite > 0]

    figures: dict[str, float | int | None] = {
        "rows": len(values),
        "nulls": sum(v is None for v in values),
        "nan": int(np.isnan(present).sum()),
        "non_finite": int((~np.isfinite(present)).sum()),
        "zeros": int((finite == 0).sum()),
        "negatives": int((finite < 0).sum()),
        "positives": len(positive),
    }
    if len(finite):
        mean = float(np.mean(finite))
        std = float(np.std(finite))
        figures |= {
            "sum": float(np.sum(finite)),
            "mean": mean,
            "std": std,
            "min": float(np.min(finite)),
            "max": float(np.max(finite)),
            "cv": std / mean if mean != 0 else None,
        }
        for q in QUANTILES:
            figures[quantile_name(q)] = float(np.quantile(finite, q))
    if len(positive):
        # Dividing by the largest weight first keeps the squares of tiny or huge weights from
        # underflowing or overflowing; the ratio is unchanged.
        scaled = positive / np.max(positive)
        ess = float(np.sum(scaled) ** 2 / np.sum(scaled**2))
        top_count = math.ceil(len(positive) / 100)
        largest = np.sort(positive)[::-1][:top_count]
        figures |= {
            "ess": ess,
            "ess_ratio": ess / len(values),
            "skew_ratio": float(np.max(positive) / np.min(positive)),
            "top1_share": float(np.sum(largest) / np.sum(positive)),
            "max_median_ratio": float(np.max(positive) / np.median(positive)),
            "design_effect": len(positive) / ess,
            "positive_sum": float(np.sum(positive)),
        }
    return figures


def assert_matches(stats: Stats, values: list[float | None]) -> None:
    """Assert that every figure of ``stats`` equals the numpy reference."""
    expected = reference(values)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    scale = max((abs(v) for v in finite), default=0.0)

    for name in ("rows", "nulls", "nan", "non_finite", "zeros", "negatives", "positives"):
        assert getattr(stats, name) == expected[name], name

    for name in ("sum", "mean", "std", "min", "max", "cv"):
        wanted = expected.get(name)
        if wanted is None:
            assert getattr(stats, name) is None, name
        else:
            assert getattr(stats, name) == pytest.approx(wanted, rel=REL), name

    for q in QUANTILES:
        key = quantile_name(q)
        wanted = expected.get(key)
        if wanted is None:
            assert stats.quantiles[key] is None, key
        else:
            # Interpolation rounds at the magnitude of the neighbouring order statistics, so a
            # quantile near zero between values of opposite sign needs an absolute tolerance.
            assert stats.quantiles[key] == pytest.approx(wanted, rel=REL, abs=REL * scale), key

    for name in (
        "ess",
        "ess_ratio",
        "skew_ratio",
        "top1_share",
        "max_median_ratio",
        "design_effect",
        "positive_sum",
    ):
        wanted = expected.get(name)
        if wanted is None:
            assert getattr(stats, name) is None, name
        else:
            assert getattr(stats, name) == pytest.approx(wanted, rel=REL), name


def random_weights(seed: int, size: int) -> list[float | None]:
    """Lognormal weights with zeros, negatives, NaN, infinities and nulls mixed in."""
    generator = np.random.default_rng(seed)
    values = generator.lognormal(mean=0.0, sigma=2.0, size=size)
    kinds = generator.choice(6, size=size, p=[0.8, 0.06, 0.06, 0.03, 0.02, 0.03])
    result: list[float | None] = []
    for value, kind in zip(values.tolist(), kinds.tolist(), strict=True):
        if kind == 1:
            result.append(0.0)
        elif kind == 2:
            result.append(-value)
        elif kind == 3:
            result.append(math.nan)
        elif kind == 4:
            result.append(math.inf if value > 1 else -math.inf)
        elif kind == 5:
            result.append(None)
        else:
            result.append(value)
    return result


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("size", [1, 2, 7, 150, 2_503])
def test_stats_match_numpy(seed: int, size: int) -> None:
    values = random_weights(seed, size)

    stats = compute_stats(pl.Series("weight", values, dtype=pl.Float64))

    assert_matches(stats, values)


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_stats_of_large_column(seed: int) -> None:
    values = random_weights(seed, 200_000)

    stats = compute_stats(pl.Series("weight", values, dtype=pl.Float64))

    assert_matches(stats, values)


WEIGHT = st.one_of(
    st.floats(
        min_value=-1e6,
        max_value=1e6,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    ),
    st.sampled_from([0.0, 1.0, -1.0, math.nan, math.inf, -math.inf]),
    st.none(),
)


# max / min of positive weights such as 1e6 and 1e-303 exceeds float64 and is infinite.
@pytest.mark.filterwarnings("ignore:overflow encountered in scalar divide:RuntimeWarning")
@settings(max_examples=300, deadline=None)
@given(st.lists(WEIGHT, max_size=300))
def test_stats_match_numpy_on_any_column(values: list[float | None]) -> None:
    stats = compute_stats(pl.Series("weight", values, dtype=pl.Float64))

    assert_matches(stats, values)


def test_stats_of_small_column_by_hand() -> None:
    stats = compute_stats(pl.Series([1.0, 0.5, 2.0]))

    assert stats.sum == 3.5
    assert stats.mean == pytest.approx(7 / 6, rel=1e-15)
    # Population variance: ((1 - 7/6)^2 + (0.5 - 7/6)^2 + (2 - 7/6)^2) / 3 = 7/18.
    assert stats.std == pytest.approx(math.sqrt(7 / 18), rel=1e-15)
    assert stats.ess == pytest.approx(3.5**2 / 5.25, rel=1e-15)
    assert stats.ess_ratio == pytest.approx(3.5**2 / 5.25 / 3, rel=1e-15)
    assert stats.skew_ratio == 4.0
    assert stats.max_median_ratio == 2.0
    assert stats.top1_share == pytest.approx(2 / 3.5, rel=1e-15)
    assert stats.design_effect == pytest.approx(3 / (3.5**2 / 5.25), rel=1e-15)
    assert stats.quantiles == {
        "p1": pytest.approx(0.51, rel=1e-15),
        "p5": pytest.approx(0.55, rel=1e-15),
        "p25": 0.75,
        "p50": 1.0,
        "p75": 1.5,
        "p95": pytest.approx(1.9, rel=1e-15),
        "p99": pytest.approx(1.98, rel=1e-15),
    }


def test_design_effect_is_one_plus_cv_squared() -> None:
    values = [0.5, 1.0, 1.5, 4.0, 8.0]

    stats = compute_stats(pl.Series(values))

    assert stats.cv is not None
    assert stats.design_effect == pytest.approx(1 + stats.cv**2, rel=1e-14)


def test_top_share_counts_one_percent_rounded_up() -> None:
    # 201 positive weights: ceil(201 / 100) = 3 rows are the top 1%.
    values = [1.0] * 198 + [10.0, 20.0, 30.0]

    stats = compute_stats(pl.Series(values))

    assert stats.top1_share == 60.0 / 258.0


def test_top_share_ignores_zeros_and_negatives() -> None:
    values = [0.0] * 50 + [-5.0] * 50 + [1.0, 3.0]

    stats = compute_stats(pl.Series(values))

    assert stats.top1_share == 0.75
    assert stats.positives == 2
    assert stats.ess == pytest.approx(16.0 / 10.0, rel=1e-15)
    assert stats.ess_ratio == pytest.approx(1.6 / 102, rel=1e-15)


def test_stats_of_nan_and_null_column(cases: Path) -> None:
    frame = pl.read_csv(cases / "c04_nan_null.csv")

    stats = weightcli.check(frame).files[0].stats

    assert stats is not None
    assert (stats.rows, stats.nulls, stats.nan, stats.non_finite) == (4, 1, 1, 1)
    assert (stats.sum, stats.mean, stats.min, stats.max) == (3.0, 1.5, 1.0, 2.0)


def test_int32_sum_does_not_overflow(cases: Path) -> None:
    frame = pl.read_parquet(cases / "c06_int32.parquet")

    report = weightcli.check(frame)
    stats = report.files[0].stats

    assert frame.schema["weight"] == pl.Int32
    assert stats is not None
    assert stats.sum == 4_000_000_001.0
    assert stats.max == 2_000_000_000.0
    assert stats.ess == pytest.approx(2.000000001, rel=1e-12)
    assert [f.check for f in report.findings] == ["skew-ratio"]
    assert int(report.exit_code) == 0


def test_all_zero_has_no_ess() -> None:
    stats = compute_stats(pl.Series([0.0, 0.0, 0.0]))

    assert stats.sum == 0.0
    assert stats.ess is None
    assert stats.ess_ratio is None
    assert stats.cv is None
    assert stats.skew_ratio is None
    assert stats.top1_share is None
    assert stats.design_effect is None


def test_empty_column_has_no_figures() -> None:
    stats = compute_stats(pl.Series([], dtype=pl.Float64))

    assert stats.rows == 0
    assert stats.sum is None
    assert stats.mean is None
    assert stats.min is None
    assert set(stats.quantiles.values()) == {None}


def test_huge_weights_keep_ess_finite() -> None:
    stats = compute_stats(pl.Series([1e200, 1e200]))

    assert stats.ess == 2.0
    assert stats.sum == 2e200


def test_sum_overflow_is_input_error() -> None:
    with pytest.raises(weightcli.InputError) as raised:
        compute_stats(pl.Series([1e308, 1e308]), "'big.csv'")

    assert str(raised.value) == (
        "the sum of the weights in 'big.csv' overflows float64 (largest weight 1e+308); "
        "rescale the weights"
    )

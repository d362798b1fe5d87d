"""Sums over weights split into chunks: the streaming pre-pass keeps its chunks, and the
figures and the normalisation scale must not depend on where the chunks end."""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest

from weightcli import stats
from weightcli.stats import arrays_of, compute_stats, sum_values, weight_figures
from weightcli.weights.stages import fit_normalize


def chunked(values: np.ndarray, cuts: list[int]) -> pl.Series:
    """Return ``values`` as a Float64 series whose chunks end at ``cuts``."""
    edges = [0, *cuts, len(values)]
    pieces = [pl.Series("w", values[a:b]) for a, b in itertools.pairwise(edges)]
    return pl.concat(pieces, rechunk=False)


@pytest.fixture
def values() -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.lognormal(0.0, 2.0, 5_000) * rng.choice([1e-3, 1.0, 1e4], 5_000)


LAYOUTS = [[], [1], [2_500], [17, 999, 1_000, 3_001], list(range(50, 5_000, 50))]


def test_chunk_layouts_are_real(values: np.ndarray) -> None:
    assert [chunked(values, cuts).n_chunks() for cuts in LAYOUTS] == [1, 2, 2, 5, 100]


def test_blocks_cover_values_in_fixed_sizes(
    values: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats, "BLOCK", 64)
    series = chunked(values, [17, 999, 1_000, 3_001])

    blocks = [block.copy() for block, _ in stats._blocks(arrays_of(series))]

    assert [len(block) for block in blocks] == [64] * 78 + [8]
    assert np.array_equal(np.concatenate(blocks), values)


def test_sum_is_the_same_for_every_layout(
    values: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats, "BLOCK", 256)
    sums = {sum_values(arrays_of(chunked(values, cuts))) for cuts in LAYOUTS}

    assert len(sums) == 1
    assert sums.pop() == pytest.approx(math.fsum(values), rel=1e-15)


def test_figures_are_the_same_for_every_layout(
    values: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats, "BLOCK", 256)
    figures = [compute_stats(chunked(values, cuts)) for cuts in LAYOUTS]
    stages = [weight_figures(chunked(values, cuts)) for cuts in LAYOUTS]

    assert all(figure == figures[0] for figure in figures)
    assert all(stage == stages[0] for stage in stages)
    assert figures[0].std == pytest.approx(np.std(values), rel=1e-12)
    assert stages[0][3] == figures[0].sum


def test_normalize_scale_is_the_same_for_every_layout(values: np.ndarray) -> None:
    details = {fit_normalize("mean", chunked(values, cuts)).detail for cuts in LAYOUTS}
    scaled = [
        pl.select(fit_normalize("mean", chunked(values, cuts)).transform(pl.lit(1.0))).item()
        for cuts in LAYOUTS
    ]

    assert len(details) == 1
    assert len(set(scaled)) == 1
    assert scaled[0] == pytest.approx(len(values) / math.fsum(values), rel=1e-15)


def test_sum_overflow_is_infinite() -> None:
    arrays = [np.array([1e308]), np.array([1e308])]

    assert sum_values(arrays) == math.inf
    assert sum_values([np.array([-1e308, -1e308])]) == -math.inf

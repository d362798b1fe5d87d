"""The statistics query of a weight column, and the reader of the row it returns.

The query returns one row with the figures of :class:`weightcli.report.model.Stats`, computed
as :mod:`weightcli.stats` computes them: counts over every row, moments and quantiles over the
finite weights, the effective sample size and the ratios over the positive weights. Quantiles
are exact (linear interpolation) where the engine has an exact quantile function; elsewhere
their columns end in ``_approx``, and the report notes that they are approximate."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from weightcli.errors import InputError
from weightcli.report.model import Stats
from weightcli.sql.dialects import SOURCE_TABLE, has_exact_quantiles, quote, to_dialect

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
COUNT_COLUMNS = ("rows", "nulls", "non_finite", "nan", "zeros", "negatives", "positives")
FIGURE_COLUMNS = (
    "sum",
    "mean",
    "std",
    "min",
    "max",
    "cv",
    "positive_sum",
    "negative_sum",
    "ess",
    "ess_ratio",
    "skew_ratio",
    "top1_share",
    "max_median_ratio",
    "design_effect",
)
APPROX_SUFFIX = "_approx"


def quantile_name(q: float) -> str:
    """Return the report name of a quantile, such as 'p99'."""
    return f"p{round(q * 100)}"


def _count_if(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def statistics_source_sql(weight_column: str, dialect: str) -> str:
    """Return the statistics query in the source dialect, reading the placeholder table."""
    exact = has_exact_quantiles(dialect)
    quantile = "WC_QUANTILE" if exact else "WC_APPROX_QUANTILE"
    suffix = "" if exact else APPROX_SUFFIX
    w = '"w"'
    finite = f"{w} - {w} = 0"
    infinite = f"{w} IN (CAST('inf' AS DOUBLE), CAST('-inf' AS DOUBLE))"

    values = (
        f'"__wc_values" AS (SELECT CAST({quote(weight_column)} AS DOUBLE) AS {w} '
        f"FROM {quote(SOURCE_TABLE)})"
    )
    counts = (
        '"__wc_counts" AS (SELECT COUNT(*) AS "rows", COUNT(*) - COUNT("w") AS "nulls", '
        f'COALESCE({_count_if(f"{w} IS NOT NULL AND NOT ({finite})")}, 0) AS "non_finite", '
        f'COALESCE({_count_if(infinite)}, 0) AS "infinite" FROM "__wc_values")'
    )
    finite_rows = f'"__wc_finite" AS (SELECT {w} FROM "__wc_values" WHERE {finite})'
    quantiles = ", ".join(
        f'{quantile}({w}, {q!r}) AS "{quantile_name(q)}{suffix}"' for q in QUANTILES
    )
    moments = (
        '"__wc_moments" AS (SELECT COUNT(*) AS "finite", SUM("w") AS "sum", '
        f'MIN({w}) AS "min", MAX({w}) AS "max", '
        f'COALESCE({_count_if(f"{w} = 0")}, 0) AS "zeros", '
        f'COALESCE({_count_if(f"{w} < 0")}, 0) AS "negatives", '
        f'COALESCE({_count_if(f"{w} > 0")}, 0) AS "positives", '
        f'SUM(CASE WHEN {w} > 0 THEN {w} END) AS "positive_sum", '
        f'COALESCE(SUM(CASE WHEN {w} < 0 THEN {w} END), 0.0) AS "negative_sum", '
        f'MIN(CASE WHEN {w} > 0 THEN {w} END) AS "min_positive", '
        f'MAX(CASE WHEN {w} > 0 THEN {w} END) AS "max_positive", '
        f'{quantile}(CASE WHEN {w} > 0 THEN {w} END, 0.5) AS "median_positive", '
        f'{quantiles} FROM "__wc_finite")'
    )
    # Two passes, as numpy does: the mean first, then the mean squared deviation. Weights are
    # scaled by the largest positive weight before squaring, so that the squares cannot
    # overflow.
    spread = (
        '"__wc_spread" AS (SELECT SQRT(AVG(("w" - "sum" / "finite") * ("w" - "sum" / "finite"))) '
        'AS "std", SUM(CASE WHEN "w" > 0 THEN "w" / "max_positive" END) AS "scaled_sum", '
        'SUM(CASE WHEN "w" > 0 THEN ("w" / "max_positive") * ("w" / "max_positive") END) '
        'AS "scaled_squares" FROM "__wc_finite" CROSS JOIN "__wc_moments")'
    )
    # The top 1% is the ceil(positives / 100) largest positive weights. Ties do not change
    # the sum, so ROW_NUMBER's choice among equal weights does not matter.
    top = (
        '"__wc_top" AS (SELECT SUM(CASE WHEN "rank" <= CEIL("positives" / 100.0) THEN "w" END) '
        'AS "top_sum" FROM (SELECT "w", ROW_NUMBER() OVER (ORDER BY "w" DESC) AS "rank" '
        'FROM "__wc_finite" WHERE "w" > 0) AS "__wc_ranked" CROSS JOIN "__wc_moments")'
    )
    ess = '"scaled_sum" * "scaled_sum" / "scaled_squares"'
    mean = 'CASE WHEN "finite" > 0 THEN "sum" / "finite" END'
    columns = [
        '"rows"',
        '"nulls"',
        '"non_finite"',
        '"non_finite" - "infinite" AS "nan"',
        '"zeros"',
        '"negatives"',
        '"positives"',
        'CASE WHEN "finite" > 0 THEN "sum" END AS "sum"',
        f'{mean} AS "mean"',
        '"std"',
        '"min"',
        '"max"',
        *(f'"{quantile_name(q)}{suffix}"' for q in QUANTILES),
        f'CASE WHEN "finite" > 0 AND "sum" <> 0 THEN "std" / ({mean}) END AS "cv"',
        '"positive_sum"',
        '"negative_sum"',
        f'{ess} AS "ess"',
        f'CASE WHEN "rows" > 0 THEN ({ess}) / "rows" END AS "ess_ratio"',
        '"max_positive" / "min_positive" AS "skew_ratio"',
        '"top_sum" / "positive_sum" AS "top1_share"',
        f'"max_positive" / "median_positive" AS "max_median_ratio{suffix}"',
        f'"positives" / ({ess}) AS "design_effect"',
    ]
    ctes = ", ".join([values, counts, finite_rows, moments, spread, top])
    joins = 'FROM "__wc_counts" CROSS JOIN "__wc_moments" CROSS JOIN "__wc_spread" '
    return f'WITH {ctes} SELECT {", ".join(columns)} {joins}CROSS JOIN "__wc_top"'


def compile_statistics(table: str, weight_column: str, dialect: str, *, pretty: bool = True) -> str:
    """Return the statistics query of ``weight_column`` in ``table`` for ``dialect``."""
    text = statistics_source_sql(weight_column, dialect)
    sql = to_dialect(text, dialect, {SOURCE_TABLE: table}, pretty=pretty)
    if not has_exact_quantiles(dialect):
        note = (
            f"-- {dialect} has no exact quantile function: the columns ending in "
            f"{APPROX_SUFFIX} are approximate.\n"
        )
        sql = note + sql
    return sql


def _read_row(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"statistics file '{path}' not found; check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read statistics file '{path}': {error}") from None

    stripped = text.strip()
    if not stripped:
        raise InputError(f"statistics file '{path}' is empty; expected one row as CSV or JSON")
    if stripped[0] in "[{":
        return _json_row(stripped, path)
    rows = list(csv.DictReader(io.StringIO(stripped)))
    if len(rows) != 1:
        raise InputError(
            f"statistics file '{path}' has {len(rows)} data rows, expected exactly one; "
            "export the one row of the statistics query"
        )
    return {key.strip(): value for key, value in rows[0].items() if key is not None}


def _json_row(text: str, path: Path) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        # Newline-delimited JSON, as Spark and BigQuery export it.
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            document = [json.loads(line) for line in lines]
        except json.JSONDecodeError as error:
            raise InputError(f"statistics file '{path}' is not valid JSON: {error}") from None
    if isinstance(document, list):
        if len(document) != 1:
            raise InputError(
                f"statistics file '{path}' has {len(document)} rows, expected exactly one; "
                "export the one row of the statistics query"
            )
        document = document[0]
    if not isinstance(document, dict):
        raise InputError(f"statistics file '{path}' must hold one JSON object with the figures")
    return document


def _number(row: dict[str, Any], name: str, source: str) -> float | None:
    value = row.get(name)
    if value is None or (isinstance(value, str) and value.strip() in ("", "null", "NULL")):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{source}: column '{name}' is {value!r}, expected a number") from None
    return number


def _count(row: dict[str, Any], name: str, source: str) -> int:
    value = _number(row, name, source)
    if value is None or not math.isfinite(value) or value != int(value) or value < 0:
        raise InputError(
            f"{source}: column '{name}' is {row.get(name)!r}, expected a count of zero or more"
        )
    return int(value)


def statistics_from_row(raw: dict[str, Any], source: str) -> tuple[Stats, list[str]]:
    """Turn the row of the statistics query into figures and report notes.

    Column names are matched without regard to case, because some engines upper-case them.
    ``source`` names the row's origin in error messages."""
    row = {str(key).strip().lower(): value for key, value in raw.items()}
    missing = [name for name in COUNT_COLUMNS if name not in row]
    if missing:
        raise InputError(
            f"{source} has no column '{missing[0]}'; expected the row of "
            "`weightcli sql --checks`, with columns: " + ", ".join(COUNT_COLUMNS + FIGURE_COLUMNS)
        )

    notes: list[str] = []
    names = [*(quantile_name(q) for q in QUANTILES), "max_median_ratio"]
    approximate = [name for name in names if name + APPROX_SUFFIX in row]
    if approximate:
        notes.append(
            "statistics: the engine has no exact quantile function, so "
            + ", ".join(approximate)
            + " are approximate"
        )

    def figure(name: str) -> float | None:
        if name in row:
            return _number(row, name, source)
        return _number(row, name + APPROX_SUFFIX, source)

    counts: dict[str, Any] = {name: _count(row, name, source) for name in COUNT_COLUMNS}
    figures: dict[str, Any] = {name: figure(name) for name in FIGURE_COLUMNS}
    figures["quantiles"] = {quantile_name(q): figure(quantile_name(q)) for q in QUANTILES}
    return Stats(**counts, **figures), notes


def read_statistics(path: Path) -> tuple[Stats, list[str]]:
    """Read the row of the statistics query from a CSV or JSON file.

    Return the figures and notes for the report (such as approximate quantiles)."""
    return statistics_from_row(_read_row(path), f"statistics file '{path}'")


__all__ = [
    "compile_statistics",
    "read_statistics",
    "statistics_from_row",
    "statistics_source_sql",
]

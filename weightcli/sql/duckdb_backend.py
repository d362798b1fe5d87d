"""Run compiled statements on an embedded DuckDB database."""

from __future__ import annotations

from typing import Any

import duckdb

from weightcli.errors import InputError
from weightcli.sql.dialects import literal, quote
from weightcli.sql.engine import (
    FILE_COLUMN,
    INPUT_VIEW,
    RESULT_TABLE,
    ROW_COLUMN,
    engine_error,
)

LOOKUP_VIEW = "__wc_lookup_view"


class DuckDBBackend:
    """An in-memory DuckDB database with the input as a view and the result as a table."""

    dialect = "duckdb"

    def __init__(self) -> None:
        self.connection = duckdb.connect(":memory:")
        # Timestamps without a time zone are read as UTC, as the polars engine reads them.
        self.connection.execute("SET TimeZone = 'UTC'")

    def register_input(self, files: list[str]) -> list[str]:
        """Expose the Parquet files as the input view, with their file and row numbers."""
        listed = "[" + ", ".join(literal(name) for name in files) + "]"
        schema = self.connection.execute(f"DESCRIBE SELECT * FROM read_parquet({listed})")
        columns = [str(row[0]) for row in schema.fetchall()]
        clashing = [name for name in ("filename", "file_row_number") if name in columns]
        if clashing:
            raise InputError(
                f"the input has a column '{clashing[0]}', which DuckDB's Parquet reader "
                "also adds; use --engine polars"
            )
        self.connection.execute(
            f"CREATE TEMP VIEW {quote(INPUT_VIEW)} AS SELECT * EXCLUDE (filename, "
            f"file_row_number), list_position({listed}, filename) AS {quote(FILE_COLUMN)}, "
            f"file_row_number AS {quote(ROW_COLUMN)} FROM read_parquet({listed}, "
            "filename = true, file_row_number = true)"
        )
        return [*columns, FILE_COLUMN, ROW_COLUMN]

    def register_lookup(self, path: str) -> str:
        """Expose the lookup file as a view and return its name."""
        reader = "read_parquet" if path.lower().endswith((".parquet", ".pq")) else "read_csv"
        self.connection.execute(
            f"CREATE TEMP VIEW {quote(LOOKUP_VIEW)} AS SELECT * FROM {reader}({literal(path)})"
        )
        return LOOKUP_VIEW

    def create_result(self, sql: str) -> None:
        """Run the weighting statement into the result table."""
        try:
            self.connection.execute(f"CREATE TEMP TABLE {quote(RESULT_TABLE)} AS {sql}")
        except duckdb.Error as error:
            raise engine_error(error, "DuckDB") from None

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """Run a query and return its rows as mappings."""
        try:
            cursor = self.connection.execute(sql)
        except duckdb.Error as error:
            raise engine_error(error, "DuckDB") from None
        names = [str(column[0]) for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def result_arrow(self, columns: list[str]) -> Any:
        """Return the result's columns in input order as a pyarrow Table."""
        listed = ", ".join(quote(name) for name in columns)
        order = f"{quote(FILE_COLUMN)}, {quote(ROW_COLUMN)}"
        query = f"SELECT {listed} FROM {quote(RESULT_TABLE)} ORDER BY {order}"
        return self.connection.sql(query).to_arrow_table()

    def close(self) -> None:
        """Close the database."""
        self.connection.close()

"""Compile weightcli configs to SQL, and run the SQL on DuckDB or Spark."""

"""Settings of the polars engine and the interpreter for the command line, made before
polars is imported.

``weightcli apply`` reads a table twice: the pre-pass, then the streaming write. With its
defaults, polars decodes whole Parquet row groups, at least eight of them ahead of the
writer. Its allocator also keeps freed pages resident for up to 1.5 s: 500 ms, then 1000 ms
as pages that the kernel may reclaim but still counts. So the pre-pass's memory is still
resident while the write runs. These settings bound both.

Each is set only when the environment does not already set it, so a user can override any
of them. The library API never changes them: a notebook keeps its own polars settings and
its garbage collector."""

from __future__ import annotations

import gc
import os
import sys

# Freed pages go back to the operating system after 200 ms.
ALLOCATOR = "_RJEM_MALLOC_CONF"
ALLOCATOR_SETTING = "dirty_decay_ms:200,muzzy_decay_ms:0"
# Decode a Parquet row group in pieces of about a million values per thread, not whole.
DECODE_TARGET = "POLARS_PARQUET_DECODE_TARGET_VALUES_PER_THREAD"
DECODE_TARGET_SETTING = "1000000"
# Prefetch one row group per core rather than at least eight.
PREFETCH = "POLARS_ROW_GROUP_PREFETCH_SIZE"


def engine_settings(cores: int | None) -> dict[str, str]:
    """Return the environment settings for a machine with ``cores`` cores."""
    return {
        ALLOCATOR: ALLOCATOR_SETTING,
        DECODE_TARGET: DECODE_TARGET_SETTING,
        PREFETCH: str(max(2, cores or 2)),
    }


def configure_engine() -> None:
    """Set the engine settings that the environment leaves unset, and turn off Python's
    cyclic garbage collector.

    The allocator reads its setting when polars loads, so this does nothing once polars has
    been imported. The collector would scan the objects of every import (polars, numpy,
    rich) many times in a run and find nothing to free, because the data lives in polars'
    and numpy's buffers, which reference counting frees."""
    gc.disable()
    if "polars" in sys.modules:
        return
    for name, value in engine_settings(os.cpu_count()).items():
        os.environ.setdefault(name, value)

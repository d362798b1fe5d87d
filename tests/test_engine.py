"""Engine settings that the command line makes before polars loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from weightcli import engine

SHOW_SETTINGS = """
import gc, json, os, sys
from weightcli import engine
engine.configure_engine()
names = [engine.ALLOCATOR, engine.DECODE_TARGET, engine.PREFETCH]
settings = {name: os.environ.get(name) for name in names}
print(json.dumps({**settings, "collector": gc.isenabled()}))
"""


def settings_in_child(code: str, **environment: str) -> dict[str, str | bool | None]:
    """Run ``code`` in a fresh interpreter and return the JSON it prints."""
    names = (engine.ALLOCATOR, engine.DECODE_TARGET, engine.PREFETCH)
    clean = {key: value for key, value in os.environ.items() if key not in names}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **environment},
        capture_output=True,
        check=True,
    )
    settings: dict[str, str | bool | None] = json.loads(result.stdout)
    return settings


def test_settings_scale_prefetch_with_cores() -> None:
    assert engine.engine_settings(1)[engine.PREFETCH] == "2"
    assert engine.engine_settings(None)[engine.PREFETCH] == "2"
    assert engine.engine_settings(16) == {
        "_RJEM_MALLOC_CONF": "dirty_decay_ms:200,muzzy_decay_ms:0",
        "POLARS_PARQUET_DECODE_TARGET_VALUES_PER_THREAD": "1000000",
        "POLARS_ROW_GROUP_PREFETCH_SIZE": "16",
    }


def test_unset_settings_are_filled() -> None:
    settings = settings_in_child(SHOW_SETTINGS)

    assert settings == {**engine.engine_settings(os.cpu_count()), "collector": False}


def test_user_settings_win() -> None:
    settings = settings_in_child(SHOW_SETTINGS, POLARS_ROW_GROUP_PREFETCH_SIZE="64")

    assert settings[engine.PREFETCH] == "64"
    assert settings[engine.ALLOCATOR] == "dirty_decay_ms:200,muzzy_decay_ms:0"


def test_nothing_changes_once_polars_is_loaded() -> None:
    settings = settings_in_child("import polars\n" + SHOW_SETTINGS)

    # polars sets an allocator setting of its own when it loads.
    assert settings[engine.ALLOCATOR] != engine.ALLOCATOR_SETTING
    assert (settings[engine.DECODE_TARGET], settings[engine.PREFETCH]) == (None, None)


def test_library_import_leaves_environment_alone() -> None:
    code = SHOW_SETTINGS.replace("engine.configure_engine()", "import weightcli.api")

    settings = settings_in_child(code)

    assert settings[engine.ALLOCATOR] != engine.ALLOCATOR_SETTING
    assert (settings[engine.DECODE_TARGET], settings[engine.PREFETCH]) == (None, None)
    assert settings["collector"] is True

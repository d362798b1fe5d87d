"""weightcli: add a sample-weight column to training tables and check the weights.

>>> import polars as pl, weightcli
>>> rules = {"rules": [{"when": "x > 1", "weight": 3}]}
>>> frame, report = weightcli.apply(pl.DataFrame({"x": [1, 2]}), rules)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weightcli._version import __version__

if TYPE_CHECKING:
    from weightcli.api import apply, check
    from weightcli.config.model import Config
    from weightcli.errors import ConfigError, InputError, RuleError, WeightcliError
    from weightcli.report.model import FileReport, Finding, Report, Stats

_LAZY = {
    "apply": "weightcli.api",
    "check": "weightcli.api",
    "Config": "weightcli.config.model",
    "ConfigError": "weightcli.errors",
    "InputError": "weightcli.errors",
    "RuleError": "weightcli.errors",
    "WeightcliError": "weightcli.errors",
    "FileReport": "weightcli.report.model",
    "Finding": "weightcli.report.model",
    "Report": "weightcli.report.model",
    "Stats": "weightcli.report.model",
}


def __getattr__(name: str) -> Any:
    # Deferred so that importing the package (and `weightcli --version`) stays fast.
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'weightcli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)


def __dir__() -> list[str]:
    # The deferred names are listed too, so that notebooks complete them.
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Config",
    "ConfigError",
    "FileReport",
    "Finding",
    "InputError",
    "Report",
    "RuleError",
    "Stats",
    "WeightcliError",
    "__version__",
    "apply",
    "check",
]

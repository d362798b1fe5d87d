"""Checks of a weight column. Each check is one function with a stable id, a default level
and options; the engine stamps the configured level on what it returns."""

from weightcli.checks.context import CheckContext, Draft
from weightcli.checks.engine import run_checks
from weightcli.checks.registry import CHECKS, CheckSpec

__all__ = ["CHECKS", "CheckContext", "CheckSpec", "Draft", "run_checks"]

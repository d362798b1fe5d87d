"""Checks that depend on the Kumo task type."""

from __future__ import annotations

from collections.abc import Mapping

from weightcli.checks.context import UNWEIGHTED_TASKS, CheckContext, Draft


def unsupported_task(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The task is one that Kumo does not weight (forecasting, temporal node prediction)."""
    if ctx.task not in UNWEIGHTED_TASKS:
        return None
    return Draft(
        message=f"Kumo does not support sample weights for {ctx.task} tasks; "
        "the weight column would be ignored",
        hint="drop the weight column, or change the task",
        value=ctx.task,
    )

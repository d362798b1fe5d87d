"""Run the registered checks on one weight column and stamp the configured levels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weightcli.checks.context import CheckContext
from weightcli.checks.registry import CHECKS, resolve_level, resolve_options
from weightcli.report.model import LEVEL_RANK, Finding

# When one of these fires, the column's figures are meaningless, so later checks are skipped.
BLOCKING_CHECKS = frozenset({"missing-column", "non-numeric"})


def run_checks(
    ctx: CheckContext,
    settings: Mapping[str, Any],
    profile: str = "kumo",
) -> list[Finding]:
    """Return the findings of every enabled check, most severe first, registry order within."""
    findings: list[Finding] = []
    for spec in CHECKS:
        level = resolve_level(spec, settings, profile, ctx.negative_policy)
        if level == "off":
            continue

        draft = spec.function(ctx, resolve_options(spec, settings))
        if draft is None:
            continue

        findings.append(
            Finding(
                check=spec.id,
                level=level,
                message=draft.message,
                hint=draft.hint,
                value=draft.value,
                threshold=draft.threshold,
                rows=draft.rows,
            )
        )
        if spec.id in BLOCKING_CHECKS:
            break

    findings.sort(key=lambda finding: -LEVEL_RANK[finding.level])
    return findings

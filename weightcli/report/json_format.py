"""The ``json`` report format: a stable, versioned document (see the README for its schema)."""

from __future__ import annotations

import json
import math
from typing import Any

from weightcli.report.model import Report


def _finite(value: Any) -> Any:
    """Replace NaN and infinities by None, recursively, so the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def render_json(report: Report, **_: Any) -> str:
    """Render the report as indented JSON with a trailing newline."""
    return json.dumps(_finite(report.to_dict()), indent=2, allow_nan=False) + "\n"

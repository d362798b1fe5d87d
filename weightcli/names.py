"""Names of the Kumo task types and the trainer profiles, shared by the config and the CLI.

This module imports nothing heavy, so the command line can build its choices at start-up."""

from __future__ import annotations

from typing import Literal, get_args

Task = Literal[
    "binary_classification",
    "multiclass_classification",
    "multilabel_classification",
    "multilabel_ranking",
    "regression",
    "forecasting",
    "static_link_prediction",
    "temporal_link_prediction",
    "link_prediction",
    "temporal_node_prediction",
]
Profile = Literal["kumo", "xgboost", "lightgbm", "catboost", "sklearn", "torch-sampler"]

TASKS: tuple[str, ...] = get_args(Task)
PROFILES: tuple[str, ...] = get_args(Profile)

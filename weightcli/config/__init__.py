"""The config file: its model, loading and discovery, and how flags override it."""

from weightcli.config.load import load_config, resolve_config
from weightcli.config.model import Config

__all__ = ["Config", "load_config", "resolve_config"]

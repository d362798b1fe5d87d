"""Exit codes and the error types that the command line turns into one line on standard error."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of every weightcli command."""

    OK = 0
    """No finding at or above ``fail_on``."""
    FINDINGS = 1
    """At least one finding at or above ``fail_on``."""
    USAGE = 2
    """Usage, config or input error: nothing was written."""
    INTERRUPTED = 130
    """Interrupted by SIGINT (128 + 2, as shells report it)."""


class WeightcliError(Exception):
    """A user-facing error: the message is complete and is shown without a traceback."""

    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(WeightcliError):
    """The config file or a flag is invalid."""


class InputError(WeightcliError):
    """An input table cannot be read, or an output cannot be written."""


class RuleError(WeightcliError):
    """A weight rule does not parse or cannot be evaluated on the table."""


def first_line(error: BaseException, fallback: str) -> str:
    """Return the first line of an error's message, or ``fallback`` when it is empty."""
    text = str(error).strip()
    return text.splitlines()[0] if text else fallback

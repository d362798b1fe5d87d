"""Clean exits on SIGINT, SIGTERM and closed pipes.

Polars runs a query in native threads with the GIL released, and Python raises
``KeyboardInterrupt`` only when the query returns to the interpreter. For a large sink that can
take as long as the rest of the write. A watchdog thread therefore learns of the signal at once,
through :func:`signal.set_wakeup_fd`. When the main thread has not handled the signal within
``GRACE_SECONDS``, the watchdog deletes the registered temporary files, prints the one-line
message and ends the process with :func:`os._exit`.

:mod:`weightcli.io.write` registers every temporary file here and renames it into place under
the same lock, so an interrupted run leaves either the complete output or none, and no
temporary file."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any

GRACE_SECONDS = 1.0
"""How long the main thread has to handle a signal itself before the watchdog ends the run."""

_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_lock = threading.Lock()
_temporaries: set[Path] = set()
_written: list[str] = []
_streaming_to: str | None = None
_reported = False
_first_signal: int | None = None
_in_commit = False
_deferred_signal: int | None = None
_quiet_lock = threading.Lock()
_message_fd: int | None = None
"""A copy of standard error for the message about a signal, once fd 2 goes to /dev/null."""


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM, so that the clean-up for Ctrl-C runs for it too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def install() -> None:
    """Install the SIGINT and SIGTERM handlers and start the watchdog thread.

    Call it only when weightcli is the program (not when embedded in a notebook or a test
    runner), from the main thread. A signal that the parent process set to be ignored stays
    ignored: shells without job control start background jobs with SIGINT ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    signals = [s for s in _HANDLED_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN]
    if not signals:
        return

    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    try:
        signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
    except ValueError:
        # Windows accepts only sockets here; Ctrl-C then keeps Python's default handling.
        os.close(reader)
        os.close(writer)
        return
    for signum in signals:
        signal.signal(signum, _on_signal)
    watchdog = threading.Thread(
        target=_watch, args=(reader,), name="weightcli-interrupts", daemon=True
    )
    watchdog.start()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _first_signal, _deferred_signal
    if _first_signal is not None:
        # A second Ctrl-C must not interrupt the clean-up of the first one.
        return
    _first_signal = signum
    if _in_commit:
        _deferred_signal = signum
        return
    _raise_for(signum)


def _raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _quiet_stderr() -> None:
    """Send everything but weightcli's own message about the signal to /dev/null.

    polars stops its worker threads on SIGINT by making them panic, and a thread that
    panics after the query was given up prints a panic message of its own."""
    global _message_fd
    with _quiet_lock:
        if _message_fd is not None:
            return
        try:
            saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            return
        _message_fd = saved


def _watch(reader: int) -> None:
    signum = _wait_for_signal(reader)
    if signum is None:
        return
    _quiet_stderr()
    time.sleep(GRACE_SECONDS)
    with _lock:
        if _reported:
            return
        for path in list(_temporaries):
            with contextlib.suppress(OSError):
                path.unlink()
        _write_message(signum)
        os._exit(128 + signum)


def _wait_for_signal(reader: int) -> int | None:
    while True:
        try:
            data = os.read(reader, 64)
        except OSError:
            return None
        if not data:
            return None
        for signum in data:
            if signum in _HANDLED_SIGNALS:
                return signum


def exit_code(error: KeyboardInterrupt) -> int:
    """Return the exit code for an interrupt: 128 + the signal number, as shells report it."""
    signum = error.signum if isinstance(error, Terminated) else signal.SIGINT
    return 128 + int(signum)


def reset() -> None:
    """Forget the outputs and signals of an earlier command run in the same process."""
    global _streaming_to, _reported, _first_signal, _deferred_signal
    with _lock:
        _written.clear()
        _streaming_to = None
        _reported = False
        _first_signal = None
        _deferred_signal = None


def report_interrupt(error: KeyboardInterrupt) -> None:
    """Print the one-line message for an interrupt that the main thread handles."""
    global _reported
    signum = error.signum if isinstance(error, Terminated) else signal.SIGINT
    # The quiet lock keeps the watchdog from sending fd 2 to /dev/null between the check of
    # _message_fd and the write, which would lose the message.
    with _lock, _quiet_lock:
        # The watchdog checks this flag, so it never prints a second line.
        _reported = True
        if _message_fd is None:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(_message(signum))
                sys.stderr.flush()
        else:
            _write_message(signum)


def _message(signum: int) -> str:
    event = "interrupted" if signum == signal.SIGINT else "terminated"
    if _streaming_to is not None:
        outcome = f"the table written to {_streaming_to} is incomplete"
    elif _written:
        outcome = f"'{_written[-1]}' was written completely before the signal"
    else:
        outcome = "no output was written"
    return f"weightcli: {event}; {outcome}\n"


def _write_message(signum: int) -> None:
    # os.write, because the main thread may hold the lock of sys.stderr.
    with contextlib.suppress(OSError):
        os.write(_message_fd if _message_fd is not None else 2, _message(signum).encode())


def register_temporary(path: Path) -> None:
    """Record a temporary file that an interrupt must delete."""
    with _lock:
        _temporaries.add(path)


def unregister_temporary(path: Path) -> None:
    """Forget a temporary file that was renamed into place or deleted."""
    with _lock:
        _temporaries.discard(path)


@contextlib.contextmanager
def committing(temporary: Path, destination: str) -> Iterator[None]:
    """Rename ``temporary`` to ``destination`` in the body, safe from interrupts.

    The watchdog takes the same lock, and a signal that arrives in the body is raised only
    after the output is recorded as complete, so the message about it is always true."""
    global _in_commit
    with _lock:
        _in_commit = True
        try:
            yield
            _temporaries.discard(temporary)
            _written.append(destination)
        finally:
            _in_commit = False
    if _deferred_signal is not None:
        _raise_for(_deferred_signal)


@contextlib.contextmanager
def streaming(destination: str = "standard output") -> Iterator[None]:
    """Mark the time in which table bytes go to a stream, a pipe or a device.

    An interrupt in that time reports the stream as incomplete, because some bytes may
    already have reached the reader."""
    global _streaming_to
    _streaming_to = destination
    yield
    _streaming_to = None
    _written.append(destination)


def silence_stream(stream: IO[Any]) -> None:
    """Point a stream whose reader has gone at /dev/null.

    After a broken pipe the interpreter's final flush would otherwise fail again and print
    a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    if stream is sys.stdout.buffer or stream is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()

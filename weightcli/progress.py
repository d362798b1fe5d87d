"""Progress of the long passes over a table (the pre-pass and the write), on standard error.

The display appears only when standard error is a terminal and a pass runs longer than
``DELAY_SECONDS``, so quick runs, pipes, files and CI logs never see a byte of it. Rows are
counted by a pass-through function in the lazy plan, which the streaming engine calls for
each batch. When Parquet metadata gives the row count, the display is a bar of rows done out
of the total. Otherwise it is a spinner with the rows done and the elapsed time."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from rich.progress import Progress, TaskID

DELAY_SECONDS = 1.0
DELAY_VARIABLE = "WEIGHTCLI_PROGRESS_DELAY"
"""Environment variable that overrides the delay in seconds (0 shows the display at once)."""


def progress_delay() -> float:
    """Return the delay before the display appears, in seconds."""
    text = os.environ.get(DELAY_VARIABLE)
    if text is None:
        return DELAY_SECONDS
    try:
        return max(float(text), 0.0)
    except ValueError:
        return DELAY_SECONDS


class RowProgress:
    """Row counter of the passes over one table, with a display that appears once a pass
    has run for the delay."""

    def __init__(self, total_rows: int | None, stream: IO[str], delay: float) -> None:
        self._total = total_rows
        self._stream = stream
        self._delay = delay
        self._lock = threading.Lock()
        self._label = "reading"
        self._done = 0
        self._timer: threading.Timer | None = None
        self._pending = False
        self._display: Progress | None = None
        self._task: TaskID | None = None

    def track(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Return ``frame`` with a pass-through step that counts the rows streaming by.

        Projections still reach the scan, so a pass that reads two columns reads only
        those two."""
        return frame.map_batches(self._count, streamable=True, projection_pushdown=True)

    @contextlib.contextmanager
    def showing(self, label: str) -> Iterator[None]:
        """Count one pass over the table, such as 'reading' or 'writing', while in the block.

        The display appears once the pass has run for the delay and is erased when the
        block ends, so that nothing else printed on the terminal mixes with it."""
        with self._lock:
            self._label = label
            self._done = 0
        self._schedule()
        try:
            yield
        finally:
            self.close()

    def close(self) -> None:
        """Stop the timer and erase the display."""
        with self._lock:
            self._pending = False
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            display, self._display = self._display, None
            self._task = None
        if display is not None:
            display.stop()

    def _schedule(self) -> None:
        with self._lock:
            self._pending = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._delay > 0:
                self._timer = threading.Timer(self._delay, self._show)
                self._timer.daemon = True
                self._timer.start()
        if self._delay == 0:
            self._show()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
        if self._total is not None:
            columns += [BarColumn(), TextColumn("{task.completed:,} of {task.total:,} rows")]
        else:
            columns.append(TextColumn("{task.completed:,} rows"))
        columns.append(TimeElapsedColumn())
        console = Console(file=self._stream, stderr=True)
        display = Progress(
            *columns,
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with self._lock:
            if not self._pending or self._display is not None:
                return
            self._pending = False
            self._timer = None
            self._display = display
            self._task = display.add_task(self._label, total=self._total, completed=self._done)
        display.start()

    def advance(self, rows: int) -> None:
        """Count ``rows`` more rows of the current pass, from any thread."""
        with self._lock:
            self._done += rows
            if self._display is not None and self._task is not None:
                self._display.update(self._task, completed=self._done)

    def _count(self, batch: pl.DataFrame) -> pl.DataFrame:
        self.advance(batch.height)
        return batch


def row_progress(
    total_rows: int | None, *, enabled: bool = True, stream: IO[str] | None = None
) -> RowProgress | None:
    """Return a :class:`RowProgress` when ``enabled`` and the stream is a terminal, else None."""
    target = stream if stream is not None else sys.stderr
    if not enabled or not target.isatty():
        return None
    return RowProgress(total_rows, target, progress_delay())


@contextlib.contextmanager
def showing(progress: RowProgress | None, label: str) -> Iterator[None]:
    """Show ``progress`` for one pass, or do nothing when it is None."""
    if progress is None:
        yield
        return
    with progress.showing(label):
        yield

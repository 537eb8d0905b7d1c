"""An import's progress on a terminal: the lines checked, then the events recorded, with counts."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn


class ImportProgress(Progress):
    """Two bars on stderr, gone when the import ends: the first read of the lines (by bytes, when the
    files' size is known) and the events checked and written."""

    def __init__(self) -> None:
        super().__init__(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.lines = self.add_task("checking", total=None, count="")

    def __enter__(self) -> ImportProgress:
        super().__enter__()
        return self

    def checking(self, lines: int, size: int, total: int | None) -> None:
        self.update(self.lines, completed=size, total=total, count=f"{lines:,} lines")

    def recording(self, events: int) -> Callable[[int], None]:
        """The lines are checked; a bar for the `events` to record, and what moves it."""
        self.update(self.lines, description="checked", completed=1, total=1, count=f"{events:,} events")
        task = self.add_task("recording", total=events, count=f"0/{events:,} events")

        def advance(done: int) -> None:
            self.update(task, completed=done, count=f"{done:,}/{events:,} events")

        return advance

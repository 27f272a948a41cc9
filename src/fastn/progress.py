"""What a long command says as it goes: a progress bar on a terminal, a line per step in a
log or a pipe; `--quiet` keeps only errors, `--verbose` has a line (with timing) per step
even on a terminal."""

from __future__ import annotations

import shutil
from typing import TextIO

QUIET, NORMAL, VERBOSE = 0, 1, 2
BAR_WIDTH = 24


class Progress:
    """Prints steps, notes and errors of one command to `out` (errors to `err`)."""

    def __init__(
        self, out: TextIO, err: TextIO, verbosity: int = NORMAL, bar: bool | None = None
    ) -> None:
        self.out = out
        self.err = err
        self.verbosity = verbosity
        if bar is None:
            isatty = getattr(out, "isatty", None)
            bar = bool(isatty and isatty())
        self.bar = bar and verbosity == NORMAL
        self.bar_shown = False

    def note(self, text: str) -> None:
        """A line worth reading (a summary, a warning about what was not built)."""
        if self.verbosity >= NORMAL:
            self._clear_bar()
            print(text, file=self.out, flush=True)

    def step(self, done: int, total: int, text: str) -> None:
        """Step `done` of `total` finished: the bar moves, or `text` is printed as a line."""
        if self.bar:
            filled = BAR_WIDTH * done // max(total, 1)
            line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {text.strip()}"
            width = shutil.get_terminal_size().columns - 1
            print("\r" + line[:width].ljust(width), end="", file=self.out, flush=True)
            self.bar_shown = True
        elif self.verbosity >= NORMAL:  # one write per line (print writes the newline apart)
            self.out.write(text + "\n")
            self.out.flush()

    def error(self, text: str) -> None:
        self._clear_bar()
        print(text, file=self.err, flush=True)

    def done(self) -> None:
        """The steps are over: the bar's line is cleared for what comes next."""
        self._clear_bar()

    def _clear_bar(self) -> None:
        if self.bar_shown:
            width = shutil.get_terminal_size().columns - 1
            print("\r" + " " * width + "\r", end="", file=self.out, flush=True)
            self.bar_shown = False

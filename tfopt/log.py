"""tfopt's one logger: what a command tells its user, and how long each long step took.

Modules write `log.info(...)` instead of passing print callbacks around. Slow work runs
under `with log.step(...)`, which prints the step's time when it ends (nothing more when it
fails: the error says what happened). A thread that works for one engine of a multi-engine
run names it once (`with log.prefixed("[zen3] ")`), and each line it writes carries that name.
"""

import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


class Step:
    """A running step; set `done` to say what it achieved once that is known."""

    def __init__(self, done: str):
        self.done = done
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Logger:
    def __init__(self) -> None:
        self._thread = threading.local()
        self._write = threading.Lock()

    def info(self, message: str) -> None:
        line = getattr(self._thread, "prefix", "") + message
        with self._write:  # sys.stdout is looked up per line: pytest's capture replaces it
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    @contextmanager
    def step(self, title: str, done: Optional[str] = None) -> Iterator[Step]:
        """Print `title`, run the block, then '✓ <done> (<time>)', indented like the title
        (`done` defaults to the title)."""
        self.info(title)
        step = Step(done or title.strip())
        yield step
        indent = title[:len(title) - len(title.lstrip())]
        self.info(f"{indent}✓ {step.done} ({duration(step.elapsed())})")

    @contextmanager
    def prefixed(self, prefix: str) -> Iterator[None]:
        """Every line this thread writes inside the block starts with `prefix`."""
        outer = getattr(self._thread, "prefix", "")
        self._thread.prefix = outer + prefix
        try:
            yield
        finally:
            self._thread.prefix = outer


log = Logger()

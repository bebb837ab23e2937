"""tfopt's one logger: what a command tells its user, and how long each long step took.

Modules write `log.info(...)` instead of passing print callbacks around. Slow work runs
under `with log.step(...)`, which prints the step's time when it ends (nothing more when it
fails: the error says what happened); while it runs, a heartbeat says "… still <step> (N s)"
whenever nothing was printed for HEARTBEAT_S, so a quiet step never looks hung. A thread that
works for one engine of a multi-engine run names it once (`with log.prefixed("[zen3] ")`), and
each line it writes carries that name.
"""

import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Tuple

HEARTBEAT_S = 15.0


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


class Heartbeat:
    """Says "… still <what> (N s)" each time nothing was printed for `interval` seconds, until
    stopped. run() is the loop a step's thread runs; `wait` (an Event's wait: True once stopped)
    and `clock` are injectable so that tests step through it without sleeping."""

    def __init__(self, what: str, say: Callable[[str], None], last_line: Callable[[], float],
                 interval: float = HEARTBEAT_S, clock: Callable[[], float] = time.monotonic,
                 wait: Optional[Callable[[float], bool]] = None):
        self.what, self.say, self.last_line, self.interval, self.clock = what, say, last_line, interval, clock
        self._stopped = threading.Event()
        self.wait = wait or self._stopped.wait
        self.started = clock()

    def run(self) -> None:
        timeout = self.interval
        while not self.wait(timeout):
            quiet = self.clock() - self.last_line()
            if quiet >= self.interval:
                self.say(f"… still {self.what} ({duration(self.clock() - self.started)})")
                timeout = self.interval
            else:
                timeout = self.interval - quiet

    def stop(self) -> None:
        self._stopped.set()


class Logger:
    def __init__(self) -> None:
        self._thread = threading.local()
        self._write = threading.Lock()
        self.heartbeat_s: Optional[float] = HEARTBEAT_S  # None: steps print no heartbeat
        self._last_line = time.monotonic()

    def info(self, message: str) -> None:
        self._emit(getattr(self._thread, "prefix", "") + message)

    def _emit(self, line: str) -> None:
        with self._write:  # sys.stdout is looked up per line: pytest's capture replaces it
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            self._last_line = time.monotonic()

    @contextmanager
    def step(self, title: str, done: Optional[str] = None, still: Optional[str] = None) -> Iterator[Step]:
        """Print `title`, run the block, then '✓ <done> (<time>)', indented like the title
        (`done` defaults to the title). Meanwhile a heartbeat thread says '… still <still>'
        when the block is quiet (`still` defaults to the title)."""
        self.info(title)
        step = Step(done or title.strip())
        indent = title[:len(title) - len(title.lstrip())]
        beating = self._heartbeat(indent + "  ", still or title.strip())
        try:
            yield step
        finally:
            if beating:
                heartbeat, thread = beating
                heartbeat.stop()
                thread.join()  # no beat after the step's end
                self._running().remove(heartbeat)
        self.info(f"{indent}✓ {step.done} ({duration(step.elapsed())})")

    def _heartbeat(self, indent: str, what: str) -> Optional[Tuple[Heartbeat, threading.Thread]]:
        if not self.heartbeat_s:
            return None
        prefix = getattr(self._thread, "prefix", "") + indent  # the step's thread's prefix, not the beat's
        running = self._running()

        def say(line: str) -> None:
            if running[-1] is heartbeat:  # of nested steps, only the innermost beats
                self._emit(prefix + line)

        heartbeat = Heartbeat(what, say, lambda: self._last_line, self.heartbeat_s)
        running.append(heartbeat)
        thread = threading.Thread(target=heartbeat.run, name=f"heartbeat: {what}", daemon=True)
        thread.start()
        return heartbeat, thread

    def _running(self) -> List[Heartbeat]:
        """This thread's running steps' heartbeats, the innermost last."""
        if not hasattr(self._thread, "running"):
            self._thread.running = []
        return self._thread.running

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

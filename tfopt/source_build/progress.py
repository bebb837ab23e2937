"""A build's output: every line into the log file, a throttled progress line to the user."""

import re
import time
from collections import deque
from pathlib import Path
from typing import Deque, Optional, TextIO

from ..log import log

BAZEL_PROGRESS = re.compile(r"\[\s*[\d,]+\s*/\s*[\d,]+\s*\]")
LOUD = re.compile(r"\b(ERROR|FAILED|[Ee]rror:|fatal error|Killed)\b|^tfopt\[")


class BuildLog:
    """Tee of a build's lines: the full log on disk, a progress line every `interval_s`
    (and at once for step headers and errors), and the last lines kept for error messages."""

    def __init__(self, path: Path, label: str, interval_s: float = 15.0, tail: int = 25):
        self.path = path
        self.label = label
        self.interval_s = interval_s
        self.started = time.monotonic()
        self._last_emit = 0.0
        self._latest: Optional[str] = None
        self._tail: Deque[str] = deque(maxlen=tail)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = open(path, "a", encoding="utf-8")

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _stamp(self) -> str:
        seconds = int(self.elapsed())
        return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def record(self, text: str) -> None:
        """A line for the log file only."""
        self._file.write(f"# {text}\n")
        self._file.flush()

    def note(self, text: str) -> None:
        """A line from tfopt itself: logged and shown."""
        self._file.write(f"# {text}\n")
        self._file.flush()
        log.info(text)

    def line(self, text: str) -> None:
        text = text.rstrip("\r\n")
        self._file.write(text + "\n")
        self._file.flush()
        if not text.strip():
            return
        self._tail.append(text)
        self._latest = text
        now = time.monotonic()
        if LOUD.search(text) or now - self._last_emit >= self.interval_s:
            self._emit(text)

    def _emit(self, text: str) -> None:
        self._last_emit = time.monotonic()
        shown = text if len(text) <= 160 else text[:157] + "..."
        log.info(f"  [{self.label} {self._stamp()}] {shown}")

    def tail(self) -> str:
        return "\n".join(f"    {line}" for line in self._tail)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

"""This process and the machine it runs on: CPU facts from /proc/cpuinfo, whether another
process is alive, and SIGTERM handled as Ctrl-C."""

import contextlib
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Tuple

CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class CpuInfo:
    """The first processor's model name and flags (every processor of a machine has the same)."""

    model: Optional[str]
    flags: Tuple[str, ...]


def parse_cpuinfo(text: str) -> CpuInfo:
    """/proc/cpuinfo's text, of this machine or read in a container on another."""
    model, flags = None, ()
    for line in text.splitlines():
        if line.startswith("model name") and model is None:
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags") and not flags:
            flags = tuple(line.split(":", 1)[1].split())
    return CpuInfo(model, flags)


def host_cpu(cpuinfo: Path = CPUINFO) -> CpuInfo:
    """This machine's CPU; no model and no flags when cpuinfo can't be read."""
    try:
        return parse_cpuinfo(cpuinfo.read_text())
    except OSError:
        return CpuInfo(None, ())


def process_alive(pid: int) -> bool:
    """Whether a process of this machine has that pid (another user's process counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Within it, `kill` behaves like Ctrl-C: KeyboardInterrupt, so every `finally` runs
    (containers are removed, a run is marked interrupted). Only where SIGTERM has its default
    action and only in the main thread (Python handles signals there alone); nested uses
    leave the outer one's handler in place."""
    previous = signal.getsignal(signal.SIGTERM)
    install = previous is signal.SIG_DFL and threading.current_thread() is threading.main_thread()
    if install:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        if install:
            signal.signal(signal.SIGTERM, previous)

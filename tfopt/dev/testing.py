"""`invoke test`: the three suites, each in the interpreter it needs."""

import subprocess
import sys
import time
from typing import List, Optional

from .. import paths
from ..errors import ConfigError
from ..log import duration, log

SUITES = ("unit", "g2p", "integration")


def _pytest(label: str, python, *args) -> bool:
    """Run one suite; say how it ended and how long it took. True when it passed."""
    command = [str(python), "-m", "pytest", *args]
    log.info("$ " + " ".join(command))
    started = time.monotonic()
    passed = subprocess.run(command, cwd=paths.PROJECT_ROOT).returncode == 0
    log.info(f"{label}: {'passed' if passed else 'FAILED'} ({duration(time.monotonic() - started)})")
    return passed


def run_suites(only: Optional[str] = None) -> int:
    if only and only not in SUITES:
        raise ConfigError(f"unknown suite {only!r}", hint=f"choose one of {', '.join(SUITES)}")
    failed: List[str] = []
    for suite in ([only] if only else SUITES):
        if suite == "g2p":
            from .stacks import STACKS, ensure_stack

            for stack in STACKS:
                if not _pytest(f"g2p on {stack}", ensure_stack(stack), "tests/g2p", "-p", "no:cacheprovider"):
                    failed.append(f"g2p on {stack}")
        elif suite == "integration":  # the slowest tests, to keep CI's time in view
            if not _pytest(suite, sys.executable, "tests/integration", "--durations=12"):
                failed.append(suite)
        elif not _pytest(suite, sys.executable, f"tests/{suite}"):
            failed.append(suite)
    log.info(("failed: " + ", ".join(failed)) if failed else "all suites passed")
    return 1 if failed else 0

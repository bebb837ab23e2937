"""`invoke test`: the three suites, each in the interpreter it needs."""

import subprocess
import sys
from typing import Optional

from . import paths
from .errors import ConfigError

SUITES = ("unit", "g2p", "integration")


def _pytest(python, *args) -> int:
    command = [str(python), "-m", "pytest", *args]
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, cwd=paths.PROJECT_ROOT).returncode


def run_suites(only: Optional[str] = None) -> int:
    if only and only not in SUITES:
        raise ConfigError(f"unknown suite {only!r}", hint=f"choose one of {', '.join(SUITES)}")
    failed = []
    for suite in ([only] if only else SUITES):
        if suite == "g2p":
            from .stacks import STACKS, ensure_stack

            for stack in STACKS:
                code = _pytest(ensure_stack(stack), "tests/g2p", "-p", "no:cacheprovider")
                if code:
                    failed.append(f"g2p on {stack}")
        else:
            if _pytest(sys.executable, f"tests/{suite}"):
                failed.append(suite)
    print(("failed: " + ", ".join(failed)) if failed else "all suites passed", flush=True)
    return 1 if failed else 0

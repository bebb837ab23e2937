"""Container limits as Docker reads them: memory sizes, CPU quotas and CPU lists, and the
floors below which Docker refuses them.

A limit Docker would refuse is refused when the variants file (or `--pin`) is read, not
when the first container starts after the builds. Imports nothing outside the standard
library: tasks.py reads `--pin` through plan/protocol.py at startup.
"""

import math
import re
from typing import Optional, Set

MIN_MEMORY_BYTES = 6 << 20  # Docker: "Minimum memory limit allowed is 6MB"
LOW_MEMORY_BYTES = 256 << 20  # below this, say so: TF 1 peaks near 250 MB, TF 2 near 600 MB (results/)
MIN_CPUS = 0.01  # Docker: "Range of CPUs is from 0.01 to <the engine's CPUs>"
CPUSET_RULE = "CPU numbers and ranges, e.g. \"0\", \"0-3\" or \"0,2\""


def parse_memory(text: str) -> int:
    """'4g', '512m', '1.5GiB' → bytes (k, m, g, t are powers of 1024, as Docker reads them)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(text).lower())
    if not match:
        raise ValueError(text)
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * scale)


def memory_problem(memory_bytes: int) -> Optional[str]:
    if memory_bytes < MIN_MEMORY_BYTES:
        return (f"{memory_bytes} bytes is below Docker's minimum memory limit of 6m, and far below what the "
                "model needs (a TensorFlow 2 variant peaks near 600 MB)")
    return None


def cpus_problem(cpus: float) -> Optional[str]:
    if not math.isfinite(cpus):
        return f"cpus must be a number of CPUs, got {cpus}"
    if cpus < MIN_CPUS:
        return f"cpus {cpus:g} is below Docker's minimum of {MIN_CPUS}" if cpus > 0 else "cpus must be positive"
    return None


def parse_cpuset(text: str) -> Set[int]:
    """Docker's cpuset ("0-2,5") → the CPU numbers it names; ValueError when it is not one."""
    cpus: Set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise ValueError(text)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise ValueError(text)
        cpus.update(range(first, last + 1))
    return cpus

"""`invoke flamegraph`: py-spy records the profiler inside a variant's own container.

py-spy comes from its PyPI wheel, resolved on the host like every other wheel,
and is mounted read-only into the container; only this run gets SYS_PTRACE.
"""

import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from .. import paths
from ..plan.variant import Plan
from ..engine import Engine
from ..errors import RunError
from ..engine.fleet import holding
from ..log import log
from ..build.prepare import prepare
from ..plan.protocol import Protocol
from .rounds import Arm, container_spec, profile_command
from ..build.wheels import ensure_lock

PY_SPY = "py-spy==0.4.1"


def py_spy_binary(python: str) -> Path:
    lock = ensure_lock(python, [PY_SPY])
    wheel = next(p for p in lock.files() if p.name.startswith("py_spy-"))
    tools = paths.cache_dir() / "tools" / wheel.stem
    binary = tools / "py-spy"
    if not binary.exists():
        tools.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            member = next(n for n in archive.namelist() if n.endswith("/scripts/py-spy"))
            with archive.open(member) as src, open(binary, "wb") as out:
                shutil.copyfileobj(src, out)
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


def record(plan: Plan, name: str, results_dir: Path, duration: int = 30) -> Path:
    variant = plan.select([name])[0]
    engine = Engine.connect()
    with holding(engine, f"flamegraph-{name}"):
        prepared = prepare(engine, [variant])[name]
        if prepared.image is None:
            raise RunError(f"{name} cannot run here: {prepared.skipped}")
        binary = py_spy_binary(variant.python)
        protocol = Protocol(rounds=1, repeats=50, warmups=1)
        with tempfile.TemporaryDirectory(prefix="tfopt-flame-") as out:
            Path(out).chmod(0o777)
            spec = container_spec(Arm(name, variant, prepared.image), protocol, run_id="flamegraph")
            spec.command = ["/opt/py-spy/py-spy", "record", "--output", "/out/flame.svg", "--duration", str(duration),
                            "--nonblocking", "--", *profile_command(variant, protocol)]
            spec.cap_add = ["SYS_PTRACE"]
            spec.volumes = {str(binary.parent): {"bind": "/opt/py-spy", "mode": "ro"},
                            out: {"bind": "/out", "mode": "rw"}}
            spec.timeout_s = duration + 600
            log.info(f"recording {name} with py-spy for up to {duration}s")
            outcome = engine.run(spec)
            svg = Path(out) / "flame.svg"
            if not svg.exists():
                tail = "\n    ".join(outcome.stderr.strip().splitlines()[-5:])
                raise RunError(f"py-spy wrote no flame graph (exit {outcome.exit_code}):\n    {tail}")
            target = Path(results_dir) / f"flame-{name}.svg"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(svg, target)
    return target

"""Benchmark (prints figures, asserts nothing): what a visit costs through Swarm against the
local path, on one test-owned dockerd that is both a plain engine and a single-node swarm
manager, interleaved in one process. The job is the fixture image's `cat` of a baked-in
profile (no sleep), so the figure is the scheduling overhead, not a profile.

    .venv/bin/python tests/integration/bench_swarm_overhead.py [visits per path, default 10]
"""

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "unit"),
                str(Path(__file__).resolve().parents[2])]

from second_engine import SCALES, load_fixture_image  # noqa: E402
from swarm_nodes import Dockerd, Registry, free_port, init_swarm, leave_swarm  # noqa: E402
from tfopt.engine import fleet  # noqa: E402
from tfopt.engine.types import ContainerSpec  # noqa: E402
from tfopt.plan.engines import Target  # noqa: E402


def main(visits: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="tfopt-bench-swarm-", dir="/tmp"))
    daemon = Dockerd(root / "engine")
    registry = Registry(root / "registry", f"127.0.0.1:{free_port()}")
    try:
        engine = daemon.start()
        registry.start()
        init_swarm(daemon, "127.0.0.1")
        tag = load_fixture_image(engine, SCALES, root)
        (member,) = fleet.connect([Target("swarm", daemon.url, swarm=True)], registry.addr)
        fleet.distribute([member], [tag])
        spec = dict(image=tag, command=["cat", "/fixture/ref/0.json"], labels={"tfopt.kind": "bench"},
                    nano_cpus=10**9, mem_limit=4 << 30)
        times = {"local": [], "swarm": []}
        for i in range(visits):
            for path, runner in (("local", engine), ("swarm", member.engine)):
                started = time.monotonic()
                outcome = runner.run(ContainerSpec(name=f"tfopt-bench-{path}-{i}", **spec).locked_down())
                times[path].append(time.monotonic() - started)
                assert outcome.exit_code == 0 and outcome.stdout.startswith("{"), outcome
        for path, seconds in times.items():
            print(f"{path}: median {statistics.median(seconds):.2f} s per visit "
                  f"(min {min(seconds):.2f}, max {max(seconds):.2f}, {len(seconds)} visits)")
        ratio = statistics.median(times["swarm"]) / statistics.median(times["local"])
        extra = statistics.median(times["swarm"]) - statistics.median(times["local"])
        print(f"swarm / local: {ratio:.2f}x, {extra:+.2f} s per visit")
    finally:
        leave_swarm(daemon)
        daemon.stop()
        registry.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)

"""Make a run through a two-node swarm on this machine, as test_swarm_nodes.py sets one up (a
test-owned manager dockerd, a worker dockerd in network namespace tfopt-test-swarm joined over
a veth pair, docker-registry on the veth address), into results/, then its report; tears
everything down. Both nodes share this machine's CPUs.

    .venv/bin/python tests/integration/two_node_swarm_run.py [invoke profile flags as KEY=VALUE ...]
    e.g. aa=numpy-incremental rounds=3
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "tests" / "unit"), str(ROOT)]

from invoke import Context  # noqa: E402

import tasks  # noqa: E402
from swarm_nodes import small_image, two_node_swarm  # noqa: E402
from tfopt.engine.client import Engine  # noqa: E402


def main(flags: dict) -> None:
    default = Engine.connect()
    tag = small_image(default, ROOT / "variants.yaml")
    with two_node_swarm(default, tag, "tfopt-node2", prefix="tfopt-swarm-run-") as nodes:
        for key in ("aa", "variant"):
            if key in flags:
                flags[key] = flags[key].split(",")
        tasks.profile(Context(), swarm=nodes["manager"].url, registry=nodes["registry"], **flags)
        tasks.report(Context())


if __name__ == "__main__":
    main(dict(arg.split("=", 1) for arg in sys.argv[1:]))

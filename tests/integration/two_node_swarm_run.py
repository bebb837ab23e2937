"""Make a run through a two-node swarm on this machine, as test_swarm_nodes.py sets one up (a
test-owned manager dockerd, a worker dockerd in network namespace tfopt-test-swarm joined over
a veth pair, docker-registry on the veth address), into results/, then its report; tears
everything down. Both nodes share this machine's CPUs.

    .venv/bin/python tests/integration/two_node_swarm_run.py [invoke profile flags as KEY=VALUE ...]
    e.g. aa=numpy-incremental rounds=3
"""

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT / "tests" / "unit"), str(ROOT)]

from invoke import Context  # noqa: E402

import tasks  # noqa: E402
from swarm_nodes import (Dockerd, Registry, Veth, copy_image, free_port, init_swarm, join_swarm,  # noqa: E402
                         leave_swarm, small_image, wait_for_nodes)
from tfopt.engine.client import Engine  # noqa: E402


def main(flags: dict) -> None:
    default = Engine.connect()
    tag = small_image(default, ROOT / "variants.yaml")
    root = Path(tempfile.mkdtemp(prefix="tfopt-swarm-run-", dir="/tmp"))
    veth = Veth("tfopt-test-swarm")
    veth.create()
    registry = Registry(root / "registry", f"{veth.host_ip}:{free_port(veth.host_ip)}")
    manager = Dockerd(root / "manager", insecure_registry=registry.addr)
    worker = Dockerd(root / "worker", netns=veth.name, hostname="tfopt-node2", insecure_registry=registry.addr)
    try:
        registry.start()
        copy_image(default, manager.start(), tag)
        worker.start()
        init_swarm(manager, veth.host_ip)
        join_swarm(manager, worker, veth.node_ip)
        wait_for_nodes(manager, 2)
        for key in ("aa", "variant"):
            if key in flags:
                flags[key] = flags[key].split(",")
        tasks.profile(Context(), swarm=manager.url, registry=registry.addr, **flags)
        tasks.report(Context())
    finally:
        leave_swarm(worker, manager)
        worker.stop()
        manager.stop()
        registry.stop()
        veth.delete()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(dict(arg.split("=", 1) for arg in sys.argv[1:]))

"""Remove what tfopt made, identified by its labels, and nothing else."""

import shutil
from typing import Optional

from .. import paths
from .client import Engine
from ..log import log


def clean(wheelhouse: bool = True, swarm: Optional[str] = None) -> None:
    """`swarm`: also (first) the tfopt services of that manager; DOCKER_HOST's engine's are always
    removed when it is a swarm manager."""
    if swarm:
        services = Engine.connect(swarm).remove_services({})
        log.info(f"removed {len(services)} service(s) at {swarm}")
    engine = Engine.connect()
    services = engine.remove_services({})  # first: their tasks use the images
    log.info(f"removed {len(services)} service(s)")
    containers = engine.remove_containers({})
    log.info(f"removed {len(containers)} container(s)")
    stages = engine.remove_dangling()
    log.info(f"removed {len(stages)} dangling build-stage image(s)")
    images = engine.remove_images({})
    log.info(f"removed {len(images)} image(s)")
    volumes = engine.remove_volumes({})
    log.info(f"removed {len(volumes)} volume(s)")
    if wheelhouse:
        for folder in (paths.wheelhouse_dir(), paths.rootfs_dir()):
            if folder.exists():
                shutil.rmtree(folder)
                log.info(f"removed {folder}")
    log.info("results/ is kept: it holds measurements, not build outputs")

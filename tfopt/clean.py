"""Remove what tfopt made, identified by its labels, and nothing else."""

import shutil
from typing import Callable

from . import paths
from .engine import Engine


def clean(wheelhouse: bool = True, say: Callable[[str], None] = print) -> None:
    engine = Engine.connect()
    containers = engine.remove_containers({})
    say(f"removed {len(containers)} container(s)")
    stages = engine.remove_dangling()
    say(f"removed {len(stages)} dangling build-stage image(s)")
    images = engine.remove_images({})
    say(f"removed {len(images)} image(s)")
    volumes = engine.remove_volumes({})
    say(f"removed {len(volumes)} volume(s)")
    if wheelhouse:
        for folder in (paths.wheelhouse_dir(), paths.rootfs_dir()):
            if folder.exists():
                shutil.rmtree(folder)
                say(f"removed {folder}")
    say("results/ is kept: it holds measurements, not build outputs")

"""Engine: the only code that talks to Docker (through the Docker SDK for Python).

    types      what callers hand an engine and get back (ContainerSpec, ContainerOutcome,
               ContainerInfo, ImageInfo, EngineInfo), and Protocols of the parts of Engine
               each kind of caller uses (ContainerRunner, ImageBuilder, Cleaner)
    client     Engine: docker-py behind those types; every listing filtered by tfopt's label
    fleet      the engines of one run: connect, probe, lock, ship images
    clean      remove what tfopt made, by its labels

Which labels tfopt sets is tfopt/labels.py; SIGTERM-as-Ctrl-C and pid liveness are
tfopt/host.py. Which leftover containers to remove is run policy (tfopt/measure/pipeline.py).
Other stages import the names below from here: `from tfopt.engine import Engine, ContainerSpec`.
"""

from .client import Engine, container_name
from .types import (Cleaner, ContainerInfo, ContainerOutcome, ContainerRunner, ContainerSpec, EngineInfo,
                    ImageBuilder, ImageInfo)

__all__ = ["Engine", "container_name", "Cleaner", "ContainerInfo", "ContainerOutcome", "ContainerRunner",
           "ContainerSpec", "EngineInfo", "ImageBuilder", "ImageInfo"]

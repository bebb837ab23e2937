"""Engine: the only code that talks to Docker (through the Docker SDK for Python).

    client     Engine and its neutral types (ContainerSpec, ContainerOutcome, ImageInfo, EngineInfo)
    fleet      the engines of one run: connect, probe, lock, ship images
    clean      remove what tfopt made, by its labels
"""

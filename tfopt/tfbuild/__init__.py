"""The parts of `invoke build-tf`; tfopt.buildtf is the entry point.

    recipe     version table → a resolved, hashed Recipe (no engine)
    container  base image, builder image, cache volume, build container (through Engine)
    progress   the build log and its progress line
    isa        copts → promised instructions; objdump counts; /proc/cpuinfo
    manifest   wheelhouse/built/manifest.json
"""

"""`invoke build-tf`: TensorFlow built from source for a variant.

    build      the entry point: build (or reuse) a variant's wheel and register it
    recipe     version table → a resolved, hashed Recipe (no engine)
    bazel      the Bazel release binary (npm registry, sha256-checked)
    bundle     --fetch-only bundles for offline builds
    container  base image, builder image, cache volume, build container (through Engine)
    progress   the build log and its progress line
    isa        copts → promised instructions; objdump counts; /proc/cpuinfo
    manifest   wheelhouse/built/manifest.json
"""

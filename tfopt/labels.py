"""The Docker labels tfopt puts on what it makes: each key and kind spelled once.

Labels are how tfopt finds its own things again on an engine (`clean`, leftover removal,
the engine lock) and how an image says what it was built from; a result document keeps
its image's labels, so these strings are part of the committed records too.
"""

from typing import Dict, Mapping

MANAGED = "tfopt.managed"        # "true" on everything tfopt makes: clean removes only these
KIND = "tfopt.kind"              # what it is: one of Kind
VERSION = "tfopt.version"        # the tfopt that built an image

# who made a container, and when
RUN = "tfopt.run"
PID = "tfopt.pid"                # the tfopt process that owns it (leftovers, stale locks)
CONTROLLER = "tfopt.controller"  # the host that process runs on
SINCE = "tfopt.since"
VARIANT = "tfopt.variant"
ROUND = "tfopt.round"

# what a g2p image is made of
INPUTS = "tfopt.inputs"          # the digest of its inputs, which its tag names
VARIANTS = "tfopt.variants"
FORM = "tfopt.form"
RUNTIME = "tfopt.runtime"
DECODING = "tfopt.decoding"
EARLY_STOP = "tfopt.early_stop"  # "true" | "false": exported with `python -m g2p.export --early-stop`
BASE = "tfopt.base"              # the tag of the base image it is built FROM
TF_WHEEL_SHA256 = "tfopt.tf_wheel_sha256"
COMPILED_FOR = "tfopt.compiled_for"  # a compiled runtime's target CPU ("" for the others)
TF_ISA = "tfopt.tf_isa"          # the TF wheel's instruction counts (images built before results recorded them)

# what a base image is
BASE_SUITE = "tfopt.base.suite"
BASE_PYTHON = "tfopt.base.python"
BASE_KEY = "tfopt.base.key"

# what a source build's images, volumes and containers belong to
RECIPE = "tfopt.recipe"
RECIPE_VERSION = "tfopt.recipe.version"
RECIPE_IMAGE_KEY = "tfopt.recipe.image-key"
RECIPE_HASH = "tfopt.recipe.hash"


class Kind:
    """The values of KIND."""

    BASE = "base"              # a Debian base image
    STAGE = "stage"            # the shared TensorFlow stage of g2p images
    VARIANT = "variant"        # a g2p image
    PROFILE = "profile"        # a profiling container
    PROBE = "probe"            # the container that reads an engine's /proc/cpuinfo
    MARKER = "marker"          # the tiny image lock containers are created from
    LOCK = "lock"              # an engine's lock container
    BUILDER = "builder"        # a source build's builder image
    BUILD_CACHE = "build-cache"
    BUILD = "build"            # a source build's container


def managed(labels: Mapping[str, str]) -> Dict[str, str]:
    """`labels` with MANAGED set, first."""
    return {MANAGED: "true", **labels}


def label_instruction(labels: Mapping[str, str]) -> str:
    """A Dockerfile LABEL instruction, e.g. for `docker import --change`."""
    return "LABEL " + " ".join(f'{k}="{v}"' for k, v in labels.items())


def isa_counts(value: str) -> Dict[str, int]:
    """The counts a TF_ISA value holds ("fma=12,avx2=340,…")."""
    return {k: int(v) for k, v in (item.split("=") for item in value.split(","))}

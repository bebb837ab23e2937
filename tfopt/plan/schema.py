"""The variants.yaml schema: every key, its type, whether it decides the image, its default,
the values a few keys allow, and the rule for names.

The loader (plan/load.py) checks a file against it, the matrix expander (plan/matrix.py)
checks its axes against it, and a Variant (plan/variant.py) reads its build keys from it.
`variant_keys()` and `defaults()` are functions, not tables, because the runtimes' knob
sections in them derive from g2p.knobs through plan/runtimes.py: computed on each call,
they follow runtimes.KNOBS, the one table to change (or patch, in a test).
"""

import re
from typing import Any, Dict, Tuple

from . import runtimes

FORMS = runtimes.FORMS  # declared once, in the runtime specs (g2p/specs.py)
ALLOCATORS = ("system", "jemalloc", "tcmalloc")
ALLOCATOR_LIBRARIES = {
    "jemalloc": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "tcmalloc": "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
}
SUITE_PYTHON = {"bookworm": "3.11", "bullseye": "3.9"}
BAZEL_CONFIGS = ("opt", "mkl", "monolithic", "noaws", "nogcp", "nohdfs", "noignite", "nokafka")

TENSORFLOW_KEYS = {"pypi": str, "wheel": str, "sha256": str, "source": dict}
SOURCE_KEYS = {"version": str, "copts": str, "configs": list, "jobs": int, "ram_mb": int,
               "recipe": str, "xla": bool, "distdir": str, "remote_cache": str}
SOURCE_DEFAULTS: Dict[str, Any] = {"configs": ["opt"], "copts": "", "jobs": 2, "ram_mb": 8192, "xla": False}
LIMIT_KEYS = {"cpus": (int, float), "memory": str, "cpuset": str}
TOP_KEYS = ("variants", "defaults", "aliases", "matrix", "engines", "swarm", "registry")

DEFAULT_FORM = runtimes.DEFAULT_FORM


def variant_keys() -> Dict[str, Tuple[type, bool, str]]:
    """key → (type, build-time?, help). Build-time keys decide the image; the rest only how
    its container runs."""
    return {
        "description": (str, False, "one line saying what this variant is"),
        "extends": (str, False, "the parent variant; only what differs is stated"),
        "family": (str, False, "charts and reports group variants by family"),
        "reference": (str, False, "the variant speedups are measured against (default: root of the extends chain)"),
        "python": (str, True, "Python version in the image, e.g. '3.11' or '3.7'"),
        "suite": (str, True, "Debian suite of the base image (bookworm, bullseye)"),
        "tensorflow": (dict, True, "exactly one of pypi / wheel / source"),
        "requirements": (list, True, "extra pip requirements installed beside TensorFlow"),
        "form": (str, True, f"TensorFlow model form, one of {', '.join(FORMS)}"),
        "runtime": (str, True, f"what runs the network: {', '.join(runtimes.RUNTIMES)}"),
        "decoding": (str, True, f"decoding procedure: {', '.join(runtimes.DECODINGS)}"),
        "early_stop": (bool, True, "end the decode once every word of the batch has emitted <EOS> "
                                   "(exact; docs/runtimes.md \"Early stop\")"),
        # run knobs of every runtime, derived from g2p.knobs (threads, grappler, xla, onnxruntime, openvino)
        **{section: (runtimes.section_type(section), False, runtimes.section_help(section))
           for section in runtimes.sections()},
        "env": (dict, False, "environment variables for the profiled process"),
        "allocator": (str, False, f"malloc preloaded with LD_PRELOAD: {', '.join(ALLOCATORS)}"),
        "limits": (dict, False, "cpus (default 1), memory (default 4g), cpuset (optional)"),
        "may_change_predictions": (bool, False, "allow predictions to differ from the reference"),
    }


def defaults() -> Dict[str, Any]:
    """What a variant has unless it, its parents or the file's `defaults:` say otherwise."""
    return {
        "description": "",
        "suite": "bookworm",
        "requirements": [],
        "form": DEFAULT_FORM,
        "runtime": runtimes.DEFAULT_RUNTIME,
        "decoding": runtimes.DEFAULT_DECODING,
        "early_stop": False,
        **runtimes.defaults(),
        "env": {},
        "allocator": "system",
        "limits": {"cpus": 1, "memory": "4g", "cpuset": None},
        "may_change_predictions": False,
    }


# The names of variants, grids, aliases and engines: they become image tags, result folders
# and command-line arguments.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
NAME_RULE = "use lowercase letters, digits, '-', '_' and '.'"

"""Command-line pieces shared by the g2p tools (stdlib only)."""

import argparse
import sys

from .errors import G2PError
from .knobs import add_arguments, values_from_args
from .modeldir import read_metadata


def model_runtime(argv):
    """The runtime named by the --model-dir in `argv` (None when it cannot be read)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--model-dir")
    known, _ = pre.parse_known_args(argv)
    if not known.model_dir:
        return None
    meta = read_metadata(known.model_dir)
    return meta.get("runtime") if meta else None


def add_model_arguments(parser, argv):
    """--model-dir plus the knob flags of that model's runtime; returns the runtime (or None)."""
    parser.add_argument("--model-dir", required=True,
                        help="a directory written by `python -m g2p.export` (or the checkpoint)")
    runtime = model_runtime(argv)
    if runtime is not None:
        group = parser.add_argument_group("knobs of runtime %s (g2p/knobs.py)" % runtime)
        add_arguments(group, runtime)
    return runtime


def settings_from_args(args, runtime):
    return values_from_args(args, runtime) if runtime else {}


def fail(exc):
    """Print a G2PError for the user; return its exit code."""
    print("error: %s" % exc, file=sys.stderr)
    return exc.exit_code if isinstance(exc, G2PError) else 1

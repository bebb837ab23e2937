"""Ready a model directory for fast start-up, in the image's last build step.

    python -m g2p.prepare --model DIR

A runtime whose spec is ``compiled`` (g2p/specs.py) compiles code for the CPU it runs
on; its module's ``prepare(model_dir, metadata)`` does that ahead of time, at image
build, and writes what it compiled into the model directory, so that a profile
container's first prediction does not wait for a compiler. For every other runtime
this is a no-op that imports nothing. Exit status: 0 ok, 2 bad usage, 4 failed.
"""

import argparse
import json
import sys
from pathlib import Path

from .errors import G2PError, ModelError
from .modeldir import read_metadata
from .runtimes import runtime_module
from .specs import spec


def prepare(model_dir):
    """Run the runtime's own prepare step; return what it reports (a dict, {} for none)."""
    model_dir = Path(model_dir)
    metadata = read_metadata(model_dir)
    if metadata is None:
        raise ModelError("%s holds no g2p model" % model_dir,
                         hint="export one first: python -m g2p.export --runtime R --out %s" % model_dir)
    if not spec(metadata["runtime"]).compiled:
        return {}
    return runtime_module(metadata["runtime"]).prepare(model_dir, metadata) or {}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m g2p.prepare",
                                     description="Compile a model directory's code ahead of time "
                                                 "(compiled runtimes only; a no-op otherwise).")
    parser.add_argument("--model", required=True, help="an exported model directory")
    args = parser.parse_args(argv)
    try:
        report = prepare(args.model)
    except G2PError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

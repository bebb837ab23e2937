"""Export a model directory for a runtime and decoding (needs TensorFlow, to read the checkpoint).

    python -m g2p.export --runtime R --decoding D [--form F] [--early-stop] --out DIR [--weights-dir DIR]

Reads the checkpoint from --weights-dir (default: g2p.weights.ensure_weights()), writes
the runtime's files into DIR (created if needed; it must be empty or hold an earlier
export) and describes them in DIR/g2p-model.json:

    {"runtime", "decoding", "form", "early_stop", "tool", "files", "exported_with": {"python",
     "tensorflow", ...}, "created_at", ... whatever the exporter adds}

Exporters are one module per runtime, ``g2p.exporters.<runtime>`` (see g2p/exporters/), each with

    export(decoding, form, out, weights_dir, early_stop=False) -> dict   # metadata: at least "tool", "files"

`early_stop`: the decode ends once every row of the batch has emitted <EOS>
(docs/runtimes.md "Early stop"); refused for a runtime/decoding that cannot express it.
`form` is None for non-TensorFlow runtimes. Exit status: 0 ok, 2 bad usage (unknown or
unsupported runtime/decoding/form, missing converter package), 4 export failed.
"""

import argparse
import datetime
import importlib
import json
import platform
import shutil
import sys
from pathlib import Path

from . import support
from .errors import G2PError, ModelError, UsageError
from .runtimes import require_package
from .specs import DECODINGS, DEFAULT_DECODING, DEFAULT_RUNTIME, RUNTIMES, spec
from .modeldir import METADATA, OLD_METADATA

# Every exporter reads the checkpoint; its runtime's spec names the converter packages beyond.
CHECKPOINT_READER = ("tensorflow", "pip install tensorflow-cpu")


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def prepare_out(out):
    """Create `out`, refusing a directory with anything but an earlier g2p export; empty it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries = list(out.iterdir())
    if entries and not any((out / name).is_file() for name in (METADATA, OLD_METADATA)):
        raise ModelError("%s holds files that are not a g2p export: %s"
                         % (out, ", ".join(sorted(p.name for p in entries))),
                         hint="export into an empty directory")
    for p in entries:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(str(p))
        else:
            p.unlink()


def check_export(runtime, decoding, form, early_stop=False):
    """Validate the choice before any slow work; return the form to use (None off TF)."""
    from .model import check_choice

    check_choice(runtime, decoding, early_stop)
    why = support.form_reason(runtime, decoding, form)
    if why:
        raise UsageError("cannot export runtime %s, decoding %s, form %s: %s"
                         % (runtime, decoding, form, why))
    return form or spec(runtime).default_form


def _needed(runtime):
    for package, install in (CHECKPOINT_READER,) + spec(runtime).converters:
        require_package(package, "exporting for runtime %s" % runtime, install)


def exported_with():
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__}


def export(runtime, decoding, out, form=None, weights_dir=None, early_stop=False):
    """Write a model directory for runtime/decoding(/form) into `out`; return its metadata."""
    from .weights import ensure_weights

    early_stop = bool(early_stop)
    form = check_export(runtime, decoding, form, early_stop)
    _needed(runtime)
    weights_dir = Path(weights_dir) if weights_dir else ensure_weights()
    out = Path(out)
    prepare_out(out)
    exporter = importlib.import_module("g2p.exporters." + runtime)
    meta = {"runtime": runtime, "decoding": decoding, "form": form, "early_stop": early_stop,
            "tool": None, "exported_with": exported_with(), "created_at": _now()}
    meta.update(exporter.export(decoding, form, out, weights_dir, early_stop=early_stop))
    meta["runtime"], meta["decoding"], meta["form"], meta["early_stop"] = runtime, decoding, form, early_stop
    with open(str(out / METADATA), "w") as fh:
        json.dump(meta, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return meta


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m g2p.export",
                                     description="Export a g2p model directory for a runtime "
                                                 "and decoding (needs TensorFlow).")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME,
                        help="one of %s (default %s)" % (", ".join(RUNTIMES), DEFAULT_RUNTIME))
    parser.add_argument("--decoding", default=DEFAULT_DECODING,
                        help="one of %s (default %s)" % (", ".join(DECODINGS), DEFAULT_DECODING))
    parser.add_argument("--form", default=None,
                        help="TensorFlow only: %s (default %s)"
                             % (", ".join(spec("tensorflow").forms), spec("tensorflow").default_form))
    parser.add_argument("--early-stop", action="store_true",
                        help="end the decode once every word of the batch has emitted <EOS> "
                             "(exact; not every runtime/decoding can)")
    parser.add_argument("--out", required=True, help="output directory (empty or an earlier export)")
    parser.add_argument("--weights-dir", default=None,
                        help="checkpoint directory (default: G2P_WEIGHTS_DIR or the weights cache)")
    args = parser.parse_args(argv)
    try:
        meta = export(args.runtime, args.decoding, args.out, args.form, args.weights_dir,
                      early_stop=args.early_stop)
    except G2PError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    print(json.dumps(meta, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

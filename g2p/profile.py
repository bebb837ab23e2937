"""Time predict() on fixed English sentences of 1..20 words; write one JSON document.

    python -m g2p.profile --model-dir DIR [knob flags of the model's runtime]
                          [--warmups N] [--repeats N] [--max-words N]
                          [--microbench on|off] [--out PATH|-] [--form FORM]

Runtime, decoding and form come from the model directory's metadata; the knob flags
are those of its runtime (g2p/knobs.py). TensorFlow is imported only when the runtime
is tensorflow. --form, if given, must match the directory (a check for old callers).
The document (schema ``tfopt.profile/2``, ``g2p/profile.schema.json``) goes to --out
(stdout for ``-``, the default). Everything else -- including TensorFlow's logging and
anything a C library prints to file descriptor 1 -- goes to stderr, so stdout is pure
JSON. Writes nothing but --out. Exit status: 0 ok, 2 bad usage or a missing runtime
package, 4 unusable model directory, 1 anything else (no JSON on stdout then).
"""

import sys

from . import sysinfo

# As early as possible: the process-start clock reference for `timings`.
_MODULE_BOOTTIME_NS = sysinfo.boottime_ns()

import argparse  # noqa: E402
import datetime  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from .errors import G2PError  # noqa: E402

SCHEMA_ID = "tfopt.profile/2"
CORPUS = Path(__file__).resolve().parent / "corpus.json"


def load_corpus():
    with open(str(CORPUS)) as fh:
        return json.load(fh)


def case_texts(max_words=20):
    """[(n, text)] for n = 1..max_words: the fixed sentence of n words."""
    sentences = load_corpus()["sentences"]
    return [(n, sentences[n - 1]) for n in range(1, max_words + 1)]


def digest_predictions(words, prons):
    """sha256 over lines ``word<TAB>PH1 PH2 ...`` joined by ``\\n`` (UTF-8)."""
    lines = ["%s\t%s" % (w, " ".join(p)) for w, p in zip(words, prons)]
    return "sha256:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def predictions_digest(model):
    words = load_corpus()["digest_words"]
    prons = model.predict(" ".join(words))
    if len(prons) != len(words):
        raise RuntimeError("predict returned %d results for %d words" % (len(prons), len(words)))
    return {"digest": digest_predictions([w.lower() for w in words], prons), "words": len(words)}


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def _non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _max_words(text):
    value = int(text)
    if not 1 <= value <= 20:
        raise argparse.ArgumentTypeError("must be 1..20")
    return value


def build_parser(argv):
    """(parser, runtime): the knob flags are those of --model-dir's runtime."""
    from .cli import add_model_arguments
    from .specs import FORMS

    p = argparse.ArgumentParser(prog="python -m g2p.profile", description=__doc__.split("\n\n")[0])
    runtime = add_model_arguments(p, argv)
    p.add_argument("--form", choices=FORMS, default=None,
                   help="optional: fail unless the model directory holds this form")
    p.add_argument("--warmups", type=_non_negative, default=2, help="untimed calls per case (default 2)")
    p.add_argument("--repeats", type=_positive, default=5, help="timed calls per case (default 5)")
    p.add_argument("--max-words", type=_max_words, default=20, help="run cases 1..N words only (default 20)")
    p.add_argument("--microbench", choices=("on", "off"), default="on",
                   help="measure the single-core SGEMM peak and read bandwidths "
                        "(g2p.microbench, g2p.bandwidth, < 3 s; default on)")
    p.add_argument("--out", default="-", help="output path, or - for stdout (default)")
    return p, runtime


def _redirect_stdout_to_stderr():
    """Point fd 1 (and sys.stdout) at stderr; return a file object on the real stdout."""
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(real, "w")


def run(args, runtime, process_start_ns):
    started_at = _utc_now()
    t = time.perf_counter_ns
    boot = sysinfo.boottime_ns
    from .cli import settings_from_args
    from .modeldir import read_metadata

    metadata = read_metadata(args.model_dir) or {}
    import_start = t()
    tf = None
    if runtime == "tensorflow":
        import tensorflow as tf
    from . import macs, step_bytes
    from .model import load
    from .runtimes import runtime_module
    from .settings import recorded_env

    if runtime is not None:
        runtime_module(runtime)   # the runtime's package import is part of import_ns
    import_ns = t() - import_start
    import_done = boot()

    load_start = t()
    model = load(args.model_dir, settings_from_args(args, runtime), expect_form=args.form)
    load_ns = t() - load_start
    loaded = boot()

    cases = case_texts(args.max_words)
    first_start = t()
    model.predict(cases[0][1])
    first_ns = t() - first_start
    first_done = boot()

    results = []
    for n, text in cases:
        for _ in range(args.warmups):
            model.predict(text)
        samples = []
        for _ in range(args.repeats):
            start = t()
            model.predict(text)
            samples.append(t() - start)
        results.append({"words": n, "text": text, "samples_ns": samples})

    predictions = predictions_digest(model)
    metadata = dict(model.metadata or metadata)
    nodes_loaded = model.node_count()
    runtime_version = model.backend.version()
    model.close()
    microbench = bandwidth = None
    if args.microbench == "on":
        from . import bandwidth as read_bandwidth
        from .microbench import run_single_threaded

        microbench = run_single_threaded()
        bandwidth = read_bandwidth.run_single_threaded()

    def since_start(value):
        if process_start_ns is None or value is None:
            return None
        return value - process_start_ns

    exported_with = metadata.get("exported_with", metadata.get("tensorflow_version"))
    doc = {
        "schema": SCHEMA_ID,
        "started_at": started_at,
        "cases": results,
        "protocol": {"warmups": args.warmups, "repeats": args.repeats,
                     "max_words": args.max_words, "clock": "time.perf_counter_ns",
                     "call": "predict(text)"},
        "timings": {
            "clock": "CLOCK_BOOTTIME",
            "process_start_resolution_ns": 1000000000 // sysinfo.clock_ticks(),
            "start_to_import_done_ns": since_start(import_done),
            "start_to_model_loaded_ns": since_start(loaded),
            "start_to_first_prediction_ns": since_start(first_done),
            "start_to_profile_module_ns": since_start(_MODULE_BOOTTIME_NS),
            "import_ns": import_ns,
            "load_ns": load_ns,
            "first_prediction_ns": first_ns,
        },
        "predictions": predictions,
        "model": {
            "runtime": model.runtime,
            "decoding": model.decoding,
            "form": model.form,
            "early_stop": model.early_stop,
            "model_dir": str(args.model_dir),
            "tool": metadata.get("tool"),
            "transforms": metadata.get("transforms", []),
            "nodes_before": metadata.get("nodes_before"),
            "nodes_after": metadata.get("nodes_after"),
            "nodes_loaded": nodes_loaded,
            "exported_with": exported_with,
            "metadata": metadata,
        },
        "settings": model.settings,
        "macs": macs.document(model.decoding, args.max_words),
        "steps": step_bytes.document([text for _, text in cases]),
        "microbench": microbench,
        "bandwidth": bandwidth,
        "runtime": {"name": model.runtime, "version": runtime_version},
        "env": recorded_env(),
        "tensorflow": sysinfo.tensorflow_info(tf) if tf is not None else None,
        "libraries": sysinfo.library_versions(),
        "python": sysinfo.python_info(),
        "cpu": sysinfo.cpu_info(),
        "cgroup": sysinfo.cgroup_info(),   # read at the end: throttling counters cover the run
        "peak_rss_bytes": sysinfo.peak_rss_bytes(),
        "pid": os.getpid(),
        "uid": os.getuid(),
        "finished_at": _utc_now(),
    }
    return doc


def main(argv=None):
    process_start_ns = sysinfo.process_start_boottime_ns()
    argv = sys.argv[1:] if argv is None else argv
    parser, runtime = build_parser(argv)
    args = parser.parse_args(argv)
    if args.out != "-" and not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):
        parser.error("--out %s: directory does not exist" % args.out)
    real_stdout = _redirect_stdout_to_stderr() if args.out == "-" else None
    try:
        doc = run(args, runtime, process_start_ns)
    except G2PError as exc:
        print("error: g2p.profile: %s" % exc, file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - report, no JSON, non-zero exit
        import traceback

        traceback.print_exc()
        print("error: g2p.profile failed: %s" % exc, file=sys.stderr)
        return 1
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    if real_stdout is not None:
        real_stdout.write(text)
        real_stdout.flush()
    else:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

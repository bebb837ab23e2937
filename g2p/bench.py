"""Print predict() latency for 1 and 20 words (a benchmark, not a test).

    python -m g2p.bench --model-dir DIR [knob flags] [--repeats N] [--words 1,20]

Uses the profile's fixed sentences (g2p/corpus.json); prints min and median ms of
`repeats` timed calls after 3 warm-ups, and the MACs per call. Pin it to one core
with ``taskset -c 1`` to compare with the issue's figures. One core and one thread for
each runtime (ONNX Runtime's and OpenVINO's knobs default to one thread; WEIGHTS is the
checkpoint directory, g2p.weights.ensure_weights()):

    python -m g2p.export --runtime R --decoding D --out DIR
    taskset -c 1 python -m g2p.bench --model-dir DIR --repeats 7
    taskset -c 1 python -m g2p.bench --model-dir WEIGHTS --threads-intra-op 1 --threads-inter-op 1
"""

import argparse
import statistics
import sys
import time

from .cli import add_model_arguments, fail, settings_from_args
from .errors import G2PError


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m g2p.bench", description=__doc__.split("\n\n")[0])
    runtime = add_model_arguments(parser, argv)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--words", default="1,20", help="comma-separated case sizes (1..20)")
    args = parser.parse_args(argv)
    try:
        from . import macs
        from .model import load
        from .profile import case_texts

        model = load(args.model_dir, settings_from_args(args, runtime))
    except G2PError as exc:
        return fail(exc)
    texts = dict(case_texts())
    print("%s / %s / form %s  settings %s" % (model.runtime, model.decoding, model.form, model.settings))
    for n in [int(w) for w in args.words.split(",")]:
        text = texts[n]
        for _ in range(3):
            model.predict(text)
        samples = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model.predict(text)
            samples.append((time.perf_counter() - start) * 1e3)
        print("%2d words: min %8.2f ms  median %8.2f ms  (%d calls, %.1f M MACs)"
              % (n, min(samples), statistics.median(samples), args.repeats,
                 macs.per_predict(n, model.decoding) / 1e6))
    model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

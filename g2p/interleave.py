"""Compare model directories side by side in one process, calls interleaved (a benchmark).

    python -m g2p.interleave --model-dir A --model-dir B [...] [--words 1,20] [--rounds 200]

Loads every model with its runtime's default knobs (one thread for each runtime), then
for each case size (the profile's sentences, g2p/corpus.json) calls predict() on each
model in turn, `rounds` times, after 5 warm-ups each: on a busy machine the load falls
on all of them alike. Prints each model's median ms and its ratio to the first model's
(>1: faster than the first). Pin it to one core to compare with the issue's figures:

    taskset -c 1 python -m g2p.interleave --model-dir ORT_DIR --model-dir JAX_DIR
"""

import argparse
import statistics
import sys
import time

from .errors import G2PError


def interleaved_ms(models, text, rounds, warmups=5):
    """[samples in ms] per model: rounds of one call each, in turn."""
    for model in models:
        for _ in range(warmups):
            model.predict(text)
    samples = [[] for _ in models]
    for _ in range(rounds):
        for model, own in zip(models, samples):
            start = time.perf_counter()
            model.predict(text)
            own.append((time.perf_counter() - start) * 1e3)
    return samples


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m g2p.interleave", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", action="append", required=True)
    parser.add_argument("--words", default="1,20", help="comma-separated case sizes (1..20)")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    try:
        from .model import load
        from .profile import case_texts

        models = [load(path) for path in args.model_dir]
    except G2PError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    texts = dict(case_texts())
    labels = ["%s/%s" % (m.runtime, m.decoding)
              + (" early_stop" if m.metadata.get("early_stop") else "") for m in models]
    for n in [int(w) for w in args.words.split(",")]:
        medians = [statistics.median(s) for s in interleaved_ms(models, texts[n], args.rounds)]
        for label, median in zip(labels, medians):
            print("%2d words  %-32s median %8.3f ms  %5.2fx vs %s"
                  % (n, label, median, medians[0] / median, labels[0]))
    for model in models:
        model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

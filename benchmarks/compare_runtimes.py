"""Interleaved predict() latency of several model directories in one process (a benchmark).

    taskset -c 1 python benchmarks/compare_runtimes.py DIR [DIR ...] [--repeats N] [--words 1,20]

Loads every model directory (each with its runtime's default knobs: one thread), then for
each case size (the profile's fixed sentences, g2p/corpus.json) calls the models in turn,
`repeats` rounds, so load on the machine hits them alike. Prints each model's median ms
per call and its ratio to the first directory's (the baseline) per case: `x faster` > 1
means faster than the baseline. Run from the repository root.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dirs", nargs="+", help="the first is the baseline")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--words", default="1,20")
    args = parser.parse_args(argv)

    from g2p.model import load
    from g2p.profile import case_texts

    models = []
    for path in args.model_dirs:
        started = time.perf_counter()
        model = load(path)
        models.append(model)
        print("%-40s %s/%s loaded in %.2f s" % (path, model.runtime, model.decoding,
                                               time.perf_counter() - started))
    texts = dict(case_texts())
    for words in [int(w) for w in args.words.split(",")]:
        text = texts[words]
        expected = models[0].predict(text)
        times = [[] for _ in models]
        for model in models:   # warm-ups
            for _ in range(3):
                assert model.predict(text) == expected, model
        for _ in range(args.repeats):
            for model, own in zip(models, times):
                started = time.perf_counter()
                model.predict(text)
                own.append(time.perf_counter() - started)
        base = statistics.median(times[0])
        print("%d words:" % words)
        for path, own in zip(args.model_dirs, times):
            median = statistics.median(own)
            print("  %-40s median %8.3f ms  min %8.3f ms  %6.2fx faster than the baseline"
                  % (path, median * 1e3, min(own) * 1e3, base / median))
    return 0


if __name__ == "__main__":
    sys.exit(main())

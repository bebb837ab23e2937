"""Do two model directories predict the same on all of CMUdict? (a script, not a test)

    python -m g2p.agree --model-dir DIR [--reference DIR] [--limit N]

Predicts every eligible CMUdict headword (g2p.evaluate's pool: a-z only, 1 to 19 letters,
126,052 words in cmudict 1.0.15) with both, in predict()'s batches of 20, and prints the
number of words whose phonemes differ and the first of them. The reference defaults to
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
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--reference", default=None,
                        help="model directory to compare with (default: the checkpoint)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N words (sorted)")
    args = parser.parse_args(argv)
    try:
        from .evaluate import cmu_dict, eligible_words
        from .model import load
        from .weights import ensure_weights

        words = eligible_words(cmu_dict())[:args.limit]
        got = {}
        for label, path in (("model", args.model_dir), ("reference", args.reference or ensure_weights())):
            start = time.perf_counter()
            model = load(path)
            got[label] = predictions(model, words)
            model.close()
            print("%-9s %s: %s / %s, %d words in %.1f s"
                  % (label, path, model.runtime, model.decoding, len(words), time.perf_counter() - start))
    except G2PError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    differ = [(w, a, b) for w, a, b in zip(words, got["model"], got["reference"]) if a != b]
    print("%d of %d words differ" % (len(differ), len(words)))
    for word, a, b in differ[:20]:
        print("  %s: %s, reference %s" % (word, " ".join(a), " ".join(b)))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

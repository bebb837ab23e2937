"""Phonemes for words on stdin.

    python -m g2p.predict --model-dir DIR [knob flags of the model's runtime]

Reads whitespace-separated words from stdin; prints one line per word, in input order:
``word<TAB>PH1 PH2 ...`` (the word as given; the model sees it lowercased). Exit
status: 0 ok, 2 bad usage or missing runtime package, 4 unusable model directory.
"""

import argparse
import sys

from .cli import add_model_arguments, fail, settings_from_args
from .errors import G2PError


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m g2p.predict", description=__doc__.split("\n\n")[0])
    runtime = add_model_arguments(parser, argv)
    args = parser.parse_args(argv)
    try:
        from .model import load

        model = load(args.model_dir, settings_from_args(args, runtime))
        words = sys.stdin.read().split()
        prons = model.predict(" ".join(words))
        model.close()
    except G2PError as exc:
        return fail(exc)
    out = sys.stdout
    for word, pron in zip(words, prons):
        out.write("%s\t%s\n" % (word, " ".join(pron)))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

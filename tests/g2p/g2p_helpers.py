"""Helpers shared by the g2p tests (a plain module, so test files can import it)."""

import os
import random
import subprocess
import sys
from pathlib import Path

from g2p.specs import spec

ROOT = Path(__file__).resolve().parents[2]
FORMS = spec("tensorflow").forms
CMU_WORDS = 3000

EDGE_CASES = [
    "a", "b", "x", "i", "aa", "a" * 19, "a" * 20, "a" * 21, "z" * 40,
    "pneumonoultramicroscopicsilicovolcanoconiosis", "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism", "r2d2", "don't", "x-ray", "u.s.a.", "café", "naïve",
    "ÆØÅ", "123", "0", "'", "...", "-", "_", "a1b2c3", "HELLO", "McDonald", "qqq", "xzxzxz",
    "e", "p", "u", "eee", "ppp", "uuu", "ep", "pe",
]


def random_strings(n=300, seed=8):
    """Random tokens: mostly letters, some digits/punctuation/non-ASCII, 1 to 30 long."""
    rnd = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    others = "0123456789'-.,!?éüß"
    out = []
    for _ in range(n):
        length = rnd.choice([rnd.randint(1, 8), rnd.randint(1, 19), rnd.randint(15, 30)])
        out.append("".join(rnd.choice(others) if rnd.random() < 0.07 else rnd.choice(letters)
                           for _ in range(length)))
    return out


def test_words():
    """3000 CMUdict words (the evaluation sample), then edge cases and random strings."""
    from g2p.evaluate import sample_words

    cmu, _ = sample_words(CMU_WORDS)
    return list(cmu) + EDGE_CASES + random_strings()


test_words.__test__ = False   # a helper, not a pytest test


def run_module(args, env=None, check=True, timeout=900, stdin=None):
    """Run `python -m ...` with this interpreter from the repo root; return CompletedProcess."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + (os.pathsep + full_env["PYTHONPATH"]
                                          if full_env.get("PYTHONPATH") else "")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m"] + list(args), cwd=str(ROOT), env=full_env,
                          input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("python -m %s failed (%d):\n%s" % (" ".join(args), proc.returncode,
                                                              proc.stderr[-4000:]))
    return proc


def differences(words, got, expected):
    return [(w, a, b) for w, a, b in zip(words, got, expected) if a != b]

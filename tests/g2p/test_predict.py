import subprocess
import sys

import pytest

import g2p
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SENTENCE_45 = (
    "the quick brown fox jumps over the lazy dog while seven wizards quietly hex "
    "the jovial aardvark near a crumbling lighthouse beyond misty harbors where "
    "sailors mend nets and sing old songs about distant islands tall mountains "
    "golden wheat fields and supercalifragilisticexpialidocious dreams every night"
)


def test_aardvark():
    assert g2p.predict("aardvark") == [["AA1", "R", "D", "V", "AA2", "R", "K"]]


def test_uppercase_and_whitespace_are_normalised():
    assert g2p.predict("  AARDVARK\t\n") == [["AA1", "R", "D", "V", "AA2", "R", "K"]]


def test_empty():
    assert g2p.predict("") == []
    assert g2p.predict("   \n") == []


@pytest.mark.parametrize("bad", [None, 42, b"aardvark", ["aardvark"]])
def test_type_error(bad):
    with pytest.raises(TypeError):
        g2p.predict(bad)


def test_model_predict_type_error(reference_model):
    with pytest.raises(TypeError):
        reference_model.predict(b"aardvark")


def test_long_text_is_batched():
    words = SENTENCE_45.split()
    assert len(words) == 45
    together = g2p.predict(SENTENCE_45)
    assert len(together) == 45
    assert together == [g2p.predict(w)[0] for w in words]


def test_unknown_characters_and_long_words():
    out = g2p.predict("r2d2 don't " + "a" * 40)
    assert len(out) == 3
    assert all(isinstance(p, list) for p in out)
    assert all(len(p) < 20 for p in out)


def test_import_does_not_import_tensorflow():
    code = ("import sys, g2p, g2p.weights, g2p.settings, g2p.vocab, g2p.sysinfo, g2p.errors, "
            "g2p.knobs, g2p.support, g2p.macs, g2p.modeldir, g2p.cli, g2p.schema; "
            "bad = [m for m in ('tensorflow', 'numpy', 'docker') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), check=True)

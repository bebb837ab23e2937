"""Every runtime x decoding of this package gives the checkpoint's predictions.

The word list: 3000 CMUdict words, edge cases (1 letter, 19/20/21+ letters, digits,
punctuation, non-ASCII, upper case) and 300 random strings, in batches of 20 as
predict() makes them; the reference is g2p_en 1.0.0's procedure on the checkpoint.
"""

import pytest

import g2p
from g2p_helpers import CMU_WORDS, differences

COMBINATIONS = [("tensorflow", "loop", None), ("tensorflow", "incremental", None),
                ("tensorflow", "incremental", "checkpoint"), ("numpy", "incremental", None)]
LONG_TEXT = ("the quick brown fox jumps over the lazy dog while seven wizards quietly hex the "
             "jovial aardvark near a crumbling lighthouse beyond misty harbors where sailors mend "
             "nets and sing old songs about distant islands r2d2 one two three four five six " + "x" * 25)


@pytest.fixture(scope="module")
def model(request, export_dir):
    runtime, decoding, form = request.param
    loaded = g2p.load(export_dir(runtime, decoding, form if form else
                                 ("frozen" if runtime == "tensorflow" else None)))
    yield loaded
    loaded.close()


@pytest.mark.parametrize("model", COMBINATIONS, indirect=True, ids=lambda c: "-".join(filter(None, c)))
def test_identical_to_checkpoint(model, words, reference_predictions):
    assert len(words) >= CMU_WORDS + 300
    got = model.predict(" ".join(words))
    assert len(got) == len(words)
    assert differences(words, got, reference_predictions) == []


@pytest.mark.parametrize("model", COMBINATIONS[1:2] + COMBINATIONS[3:], indirect=True,
                         ids=lambda c: "-".join(filter(None, c)))
def test_batches_empty_and_single_words(model, reference_model):
    words = LONG_TEXT.split()
    assert len(words) > 40
    together = model.predict(LONG_TEXT)
    assert together == [model.predict(w)[0] for w in words] == reference_model.predict(LONG_TEXT)
    assert model.predict("") == [] and model.predict(" \n\t") == []
    assert model.predict("A") == reference_model.predict("a")


def test_metadata_names_runtime_and_decoding(export_dir):
    import json

    for runtime, decoding, form in [("numpy", "incremental", None),
                                    ("tensorflow", "loop", "frozen")]:
        meta = json.loads((export_dir(runtime, decoding, form) / "g2p-model.json").read_text())
        assert (meta["runtime"], meta["decoding"], meta["form"]) == (runtime, decoding, form)
        assert meta["files"] and meta["exported_with"]["tensorflow"]

import json

import pytest

import g2p
from g2p.errors import ModelError
from g2p_helpers import FORMS


@pytest.fixture(scope="module")
def models(exported):
    loaded = {form: g2p.load(form, exported[form]) for form in FORMS}
    yield loaded
    for m in loaded.values():
        m.close()


@pytest.mark.parametrize("form", FORMS)
def test_metadata(exported, form):
    meta = json.loads((exported[form] / "g2p-model.json").read_text())
    assert (meta["runtime"], meta["decoding"], meta["form"]) == ("tensorflow", "rerun", form)
    import tensorflow as tf

    assert meta["exported_with"]["tensorflow"] == tf.__version__
    if form != "checkpoint":
        assert isinstance(meta["nodes_before"], int) and isinstance(meta["nodes_after"], int)
    if form == "frozen":
        assert meta["nodes_after"] < meta["nodes_before"]
    if form == "checkpoint":
        return
    if form == "optimized":
        assert meta["tool"] in ("graph_transforms", "grappler")
        assert len(meta["transforms"]) > 1
        assert meta["nodes_after"] <= meta["nodes_before"]


@pytest.mark.parametrize("form", FORMS)
def test_aardvark(models, form):
    assert models[form].predict("aardvark") == [["AA1", "R", "D", "V", "AA2", "R", "K"]]


@pytest.mark.parametrize("form", FORMS)
def test_identical_to_checkpoint_on_300_cmudict_words(models, form, cmu_sample,
                                                       reference_predictions):
    # 300 here (four rerun forms are slow); the decodings are checked on 3000+ words in
    # test_decodings.py.
    assert len(cmu_sample) >= 300
    got = models[form].predict(" ".join(cmu_sample))
    assert len(got) == len(cmu_sample)
    diffs = [(w, a, b) for w, a, b in zip(cmu_sample, got, reference_predictions) if a != b]
    assert diffs == []


@pytest.mark.parametrize("decoding", ["loop", "incremental"])
def test_optimized_graph_of_other_decodings(export_dir, decoding, cmu_sample, reference_predictions):
    model = g2p.load(export_dir("tensorflow", decoding, "optimized"))
    try:
        words = cmu_sample[:200]
        assert model.predict(" ".join(words)) == reference_predictions[:200]
    finally:
        model.close()


def test_wrong_form_is_refused(exported):
    with pytest.raises(ModelError):
        g2p.load("frozen", exported["savedmodel"])
    with pytest.raises(ModelError):
        g2p.load(exported["frozen"].parent / "nonexistent")


def test_export_refuses_foreign_directory(tmp_path):
    from g2p.export import export

    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(ModelError):
        export("tensorflow", "rerun", tmp_path, "frozen")
    assert (tmp_path / "precious.txt").read_text() == "keep me"

"""The numba runtime: the compiled decode predicts what the checkpoint predicts, with and
without early stop, from a model directory compiled ahead of time by g2p.prepare.

Its speed is g2p.interleave's job; all of CMUdict is g2p.agree's.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from g2p_helpers import CMU_WORDS, ROOT, differences, run_module

AARDVARK = [["AA1", "R", "D", "V", "AA2", "R", "K"]]

# numba 0.68 has no wheels for Python 3.7 (the TF 1.13 stack); on the TF 2.21 stack it is in
# requirements-tf2.txt, so a missing one fails here.
pytestmark = pytest.mark.skipif(sys.version_info < (3, 10),
                                reason="numba 0.68 needs Python >= 3.10 (a runtime of the tf2 stack only)")


def _set_metadata(model_dir, **changes):
    path = model_dir / "g2p-model.json"
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


@pytest.fixture(scope="module")
def prepared(export_dir):
    """The exported numba model directory, compiled by `python -m g2p.prepare` (a new process)."""
    model_dir = export_dir("numba", "incremental")
    done = run_module(["g2p.prepare", "--model", str(model_dir)])
    assert json.loads(done.stdout)["cpu_name"] == "x86-64-v3"
    return model_dir


@pytest.fixture(scope="module")
def early_stop_dir(prepared, tmp_path_factory):
    """A copy of it whose metadata asks for early stop (the build key `early_stop`)."""
    copy = tmp_path_factory.mktemp("numba-early-stop") / "model"
    shutil.copytree(str(prepared), str(copy))
    _set_metadata(copy, early_stop=True)
    return copy


@pytest.fixture(scope="module")
def models(prepared, early_stop_dir):
    import g2p

    return {"full": g2p.load(prepared), "early_stop": g2p.load(early_stop_dir)}


@pytest.mark.parametrize("which", ["full", "early_stop"])
def test_identical_to_checkpoint(models, which, words, reference_predictions):
    assert len(words) >= CMU_WORDS + 300
    got = models[which].predict(" ".join(words))
    assert len(got) == len(words)
    assert differences(words, got, reference_predictions) == []


def test_early_stop_is_what_the_metadata_says(models):
    assert models["early_stop"].backend.early_stop is True
    assert models["full"].backend.early_stop is False
    x = __import__("g2p.model", fromlist=["encode_batch"]).encode_batch(["a", "hello"])
    full, stopped = models["full"].backend.run_loop(x), models["early_stop"].backend.run_loop(x)
    assert (stopped[:, -1] == 0).all()            # the columns after the stop stay <PAD>
    assert (full == stopped).all()                # the network itself predicts <PAD> after <EOS>
    assert (models["early_stop"].backend.last_steps, models["full"].backend.last_steps) == (5, 20)


@pytest.mark.parametrize("which", ["full", "early_stop"])
def test_empty_one_word_and_batches_over_20(models, which, words, reference_model):
    model = models[which]
    assert model.predict("") == [] and model.predict(" \t\n") == []
    assert model.predict("AARDVARK") == model.predict("aardvark") == AARDVARK
    batch = words[-47:]   # random strings: batches of 20, 20 and 7
    text = " ".join(batch)
    assert model.predict(text) == [model.predict(w)[0] for w in batch] == reference_model.predict(text)


def test_a_new_process_loads_the_compiled_kernel_from_the_cache(prepared):
    code = ("import g2p; m = g2p.load(%r); print(m.predict('aardvark')); "
            "s = m.backend.kernel.stats; print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))"
            % str(prepared))
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=_env(), timeout=300)
    assert out.returncode == 0, out.stderr
    printed, hits_misses = out.stdout.strip().splitlines()
    assert printed == str(AARDVARK)
    assert hits_misses == "1 0"
    assert "cache miss" not in out.stderr


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_fastmath_knob_loads_the_fastmath_kernel(prepared):
    import g2p
    from g2p.runtimes import numba_kernel

    model = g2p.load(prepared, {"numba.fastmath": True})
    assert model.backend.kernel is numba_kernel.decode_fastmath
    assert len(model.predict("aardvark hello world")) == 3


def test_a_cpu_without_the_target_features_is_refused(prepared, tmp_path):
    import g2p
    from g2p.errors import ModelError

    copy = tmp_path / "model"
    shutil.copytree(str(prepared), str(copy))
    target = json.loads((copy / "compiled-for.json").read_text())
    target["cpu_features"] += ",+nosuchfeature"
    (copy / "compiled-for.json").write_text(json.dumps(target))
    with pytest.raises(ModelError, match="lacks nosuchfeature"):
        g2p.load(copy)


def test_a_model_never_prepared_is_a_clear_error(prepared, tmp_path):
    import g2p
    from g2p.errors import ModelError

    copy = tmp_path / "model"
    shutil.copytree(str(prepared), str(copy))
    (copy / "compiled-for.json").unlink()
    with pytest.raises(ModelError, match="never compiled") as info:
        g2p.load(copy)
    assert "g2p.prepare" in info.value.hint


def test_a_read_only_model_directory_lends_numba_a_writable_copy_of_its_cache(prepared, monkeypatch):
    from g2p.runtimes import numba as numba_runtime

    assert numba_runtime._cache_dir(prepared) == prepared / "numba-cache"
    monkeypatch.setattr(numba_runtime.os, "access", lambda path, mode: False)   # root ignores modes
    copy = numba_runtime._cache_dir(prepared)
    assert copy != prepared / "numba-cache"
    assert sorted(p.name for p in copy.rglob("*")) == sorted(p.name for p in (prepared / "numba-cache").rglob("*"))

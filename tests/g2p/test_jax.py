"""Runtime jax: the XLA decode predicts what the checkpoint predicts, with and without early
stop, and a prepared model directory never compiles after load, at any batch size.

Each model directory is exported and prepared once per module (g2p.prepare compiles the 20
batch sizes: about a minute each on a busy 2-core machine). The early-stop directory is the
plain export with ``"early_stop": true`` written into its metadata, as g2p.export writes it.
"""

import json
import sys

import numpy as np
import pytest

from g2p.vocab import BATCH_WORDS, MAXLEN
from g2p_helpers import CMU_WORDS, differences

AARDVARK = [["AA1", "R", "D", "V", "AA2", "R", "K"]]

# jax 0.10.2 has no wheels for Python 3.7 (the TF 1.13 stack); on the TF 2.21 stack it is
# in requirements-tf2.txt, so a missing one fails here.
pytestmark = pytest.mark.skipif(sys.version_info < (3, 10),
                                reason="jax 0.10.2 needs Python >= 3.10 (a runtime of the tf2 stack only)")


class CompileCounter(object):
    """Counts XLA backend compilations in this process (jax.monitoring's duration events)."""

    EVENT = "/jax/core/compile/backend_compile_duration"

    def __init__(self):
        import jax.monitoring

        self.count = 0
        jax.monitoring.register_event_duration_secs_listener(self._event)

    def _event(self, event, duration, **kwargs):
        if event == self.EVENT:
            self.count += 1


@pytest.fixture(scope="module")
def compiles():
    return CompileCounter()


def _prepared(export_dir, tmp_path_factory, early_stop):
    import shutil

    from g2p.prepare import prepare

    plain = export_dir("jax", "incremental")
    out = tmp_path_factory.mktemp("jax") / ("early-stop" if early_stop else "full")
    shutil.copytree(str(plain), str(out))
    meta_path = out / "g2p-model.json"
    meta = json.loads(meta_path.read_text())
    meta["early_stop"] = early_stop
    meta_path.write_text(json.dumps(meta))
    report = prepare(out)
    assert report["early_stop"] is early_stop and report["batch_sizes"] == list(range(1, BATCH_WORDS + 1))
    return out


@pytest.fixture(scope="module")
def model_dirs(export_dir, tmp_path_factory, compiles):
    return {stop: _prepared(export_dir, tmp_path_factory, stop) for stop in (False, True)}


@pytest.fixture(scope="module")
def loaded(model_dirs, compiles):
    import g2p

    before = compiles.count
    models = {stop: g2p.load(path) for stop, path in model_dirs.items()}
    assert compiles.count == before, "loading a prepared directory compiled"
    yield models
    for m in models.values():
        m.close()


@pytest.mark.parametrize("early_stop", [False, True], ids=["full", "early-stop"])
def test_identical_to_checkpoint(loaded, early_stop, words, reference_predictions):
    assert len(words) >= CMU_WORDS + 300
    assert loaded[early_stop].backend.how == "prepared"
    got = loaded[early_stop].predict(" ".join(words))
    assert len(got) == len(words)
    assert differences(words, got, reference_predictions) == []


@pytest.mark.parametrize("early_stop", [False, True], ids=["full", "early-stop"])
def test_every_batch_size_without_compiling(loaded, compiles, early_stop, words, reference_model):
    model = loaded[early_stop]
    before = compiles.count
    for n in range(1, BATCH_WORDS + 1):
        batch = words[-300 + 7 * n:-300 + 8 * n]   # n random strings
        assert model.predict(" ".join(batch)) == reference_model.predict(" ".join(batch))
    assert model.predict("AARDVARK") == AARDVARK and model.predict("") == []
    assert compiles.count == before


def test_early_stop_ends_the_loop_once_every_row_emitted_eos(loaded, words):
    from g2p.model import encode_batch

    x = encode_batch(words[:BATCH_WORDS])
    full = loaded[False].backend.run_loop(x)
    stopped = loaded[True].backend.run_loop(x)
    first_eos = [list(row).index(1) for row in full]
    steps = max(first_eos) + 1
    assert loaded[False].backend.last_steps == MAXLEN
    assert loaded[True].backend.last_steps == steps < MAXLEN
    np.testing.assert_array_equal(stopped[:, :steps], full[:, :steps])
    assert (stopped[:, steps:] == 0).all()        # never computed: the loop had ended


def test_other_isa_recompiles_loudly(model_dirs, compiles, monkeypatch, tmp_path, capfd):
    import shutil

    import g2p
    import g2p.runtimes.jax as jax_runtime

    moved = tmp_path / "other-cpu"
    shutil.copytree(str(model_dirs[False]), str(moved))
    manifest = json.loads((moved / jax_runtime.MANIFEST).read_text())
    manifest["compiled_for"] = manifest["compiled_for"] + ["amx_tile"]   # no Zen has AMX
    (moved / jax_runtime.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setattr(jax_runtime, "cpu_isa", lambda: [f for f in manifest["compiled_for"]
                                                         if f != "amx_tile"])
    monkeypatch.setattr(jax_runtime, "BATCH_WORDS", 2)   # compile two sizes, not twenty
    before = compiles.count
    model = g2p.load(moved)
    assert "which this CPU lacks" in capfd.readouterr().err
    assert model.backend.how.startswith("compiled at load") and "amx_tile" in model.backend.how
    assert compiles.count - before == 2
    assert model.predict("aardvark") == AARDVARK


def test_why_recompile_names_what_differs():
    from g2p.runtimes.jax import _why_recompile

    built = {"jax": "0.10.2", "jaxlib": "0.10.2", "program": "1", "xla_flags": "--a", "early_stop": False,
             "compiled_for": ["avx2", "avx512f", "fma"], "batch_sizes": [1, 2]}
    assert _why_recompile(built, dict(built)) is None
    assert _why_recompile(built, dict(built, compiled_for=["avx2", "avx512f", "fma", "amx_tile"])) is None
    assert "avx512f" in _why_recompile(built, dict(built, compiled_for=["avx2", "fma"]))
    assert "xla_flags" in _why_recompile(built, dict(built, xla_flags="--b"))
    assert "early_stop" in _why_recompile(built, dict(built, early_stop=True))
    assert "program" in _why_recompile(built, dict(built, program="2"))
    assert "g2p.prepare" in _why_recompile(None, built)


def test_other_xla_flags_in_the_same_process_are_refused(model_dirs):
    import g2p
    from g2p.errors import UsageError

    g2p.load(model_dirs[False])   # this process's XLA runs with the default knobs
    with pytest.raises(UsageError, match="once per process"):
        g2p.load(model_dirs[False], {"jax.multi_thread_eigen": True})

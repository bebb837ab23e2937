"""variants.yaml's `early_stop`: a validated build key, refused where the runtime's spec says
it cannot stop that decoding early, shown among a variant's changes, and part of the image."""

import re
import textwrap

import pytest

from g2p import specs as g2p_specs
from plans import BASE
from test_runtime_axes import _inputs
from tfopt import labels as label
from tfopt.build.images import RECIPE_DIR
from tfopt.errors import ConfigError
from tfopt.plan import schema
from tfopt.plan.load import load_plan
from tfopt.plan.variant import describe
from plans import write


def plan_of(tmp_path, extra=""):
    return load_plan(write(tmp_path, BASE + textwrap.indent(textwrap.dedent(extra), "  ")))


def error_of(tmp_path, extra) -> str:
    with pytest.raises(ConfigError) as info:
        plan_of(tmp_path, extra)
    return str(info.value)


def test_early_stop_is_a_build_key_off_by_default():
    assert schema.variant_keys()["early_stop"][:2] == (bool, True)
    assert schema.defaults()["early_stop"] is False


def test_early_stop_decides_the_image_and_shows_among_the_changes(tmp_path):
    plan = plan_of(tmp_path, """
      inc: {extends: a, decoding: incremental}
      inc-es: {extends: inc, early_stop: true}
      inc-es-threads: {extends: inc-es, threads: {intra_op: 1}}
    """)
    inc, es, threads = (plan.variants[n] for n in ("inc", "inc-es", "inc-es-threads"))
    assert not inc.early_stop and es.early_stop and threads.early_stop
    assert inc.build_key() != es.build_key() == threads.build_key()
    assert es.changes_from(inc) == {"early_stop": [False, True]}
    assert "early stop" in "\n".join(describe(es)) and "early stop" not in "\n".join(describe(inc))


def test_early_stop_must_be_a_boolean(tmp_path):
    message = error_of(tmp_path, "b: {extends: a, early_stop: 'yes'}\n")
    assert "expected bool" in message and "'b'" in message and "early_stop" in message


def test_a_runtime_that_cannot_stop_a_decoding_early_is_refused_with_a_hint(tmp_path, monkeypatch):
    numpy = g2p_specs.spec("numpy")
    monkeypatch.setitem(g2p_specs._BY_NAME, "numpy", numpy._replace(early_stop=()))
    message = error_of(tmp_path, "b: {extends: a, runtime: numpy, decoding: incremental, early_stop: true}\n")
    assert "runtime numpy cannot stop decoding 'incremental' early" in message
    assert "set early_stop: false" in message and "variants.yaml:" in message
    tensorflow = g2p_specs.spec("tensorflow")
    monkeypatch.setitem(g2p_specs._BY_NAME, "tensorflow", tensorflow._replace(early_stop=("incremental",)))
    message = error_of(tmp_path, "b: {extends: a, decoding: loop, early_stop: true}\n")
    assert "cannot stop decoding 'loop' early" in message and "use decoding incremental" in message
    assert plan_of(tmp_path, "b: {extends: a, decoding: incremental, early_stop: true}\n").variants["b"].early_stop


def test_every_shipped_runtime_declares_what_it_can_stop_early():
    for spec in g2p_specs.SPECS:
        assert set(spec.early_stop) <= set(g2p_specs.DECODINGS) - set(spec.unsupported)
    assert "incremental" in g2p_specs.spec("numpy").early_stop
    with pytest.raises(ValueError, match="early stop"):
        g2p_specs.RuntimeSpec("x", "x", "pip install x", unsupported={"loop": "no"}, early_stop=("loop",))


def test_early_stop_is_in_the_image_digest_build_args_and_labels(tmp_path):
    full = _inputs(tmp_path, "onnxruntime", None, None)
    early = _inputs(tmp_path, "onnxruntime", None, None)
    early.early_stop = True
    assert full.tag != early.tag
    assert full.buildargs()["EARLY_STOP"] == "" and early.buildargs()["EARLY_STOP"] == "1"
    assert label.EARLY_STOP.startswith("tfopt.")


def test_the_dockerfile_exports_with_early_stop_when_asked():
    text = (RECIPE_DIR / "Dockerfile").read_text()
    assert re.search(r"^ARG EARLY_STOP$", text, re.M)
    assert "${EARLY_STOP:+--early-stop}" in text

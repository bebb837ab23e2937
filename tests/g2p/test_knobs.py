"""The runtimes' specs (g2p/specs.py), their knobs, and what is derived from them (no TensorFlow needed)."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from g2p import knobs, specs, support
from g2p.schema import SCHEMA_FILE, is_current, load_schema

ROOT = Path(__file__).resolve().parents[2]


def test_contract_keys_and_defaults():
    got = {k.key: (k.runtime, k.default) for k in knobs.KNOBS}
    assert got == {
        "threads.intra_op": ("tensorflow", 0), "threads.inter_op": ("tensorflow", 0),
        "grappler": ("tensorflow", True), "xla": ("tensorflow", False),
        "onnxruntime.intra_op": ("onnxruntime", 1), "onnxruntime.inter_op": ("onnxruntime", 1),
        "onnxruntime.optimization": ("onnxruntime", "all"),
        "onnxruntime.execution_mode": ("onnxruntime", "sequential"),
        "openvino.threads": ("openvino", 1), "openvino.streams": ("openvino", 1),
        "openvino.hint": ("openvino", "latency"), "openvino.precision": ("openvino", "f32"),
        "numba.fastmath": ("numba", False),
        "jax.fast_math": ("jax", False), "jax.multi_thread_eigen": ("jax", False),
    }
    assert knobs.knobs_for("numpy") == ()
    assert [k.key for k in knobs.KNOBS if k.inexact] == ["numba.fastmath", "jax.fast_math"]


def test_flags():
    assert knobs.flag(knobs.knob("threads.intra_op")) == "--threads-intra-op"
    assert knobs.flag(knobs.knob("onnxruntime.execution_mode")) == "--onnxruntime-execution-mode"


def test_argparse_is_derived_and_validates():
    parser = knobs.add_arguments(argparse.ArgumentParser(), "openvino")
    args = parser.parse_args(["--openvino-threads", "2", "--openvino-hint", "none"])
    assert knobs.values_from_args(args, "openvino") == {
        "openvino.threads": 2, "openvino.streams": 1, "openvino.hint": "none",
        "openvino.precision": "f32"}
    for bad in (["--openvino-streams", "0"], ["--openvino-precision", "bf16"],
                ["--threads-intra-op", "1"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    tf = knobs.add_arguments(argparse.ArgumentParser(), "tensorflow")
    assert knobs.values_from_args(tf.parse_args(["--grappler", "off"]), "tensorflow")["grappler"] is False


@pytest.mark.parametrize("values", [{"threads.intra_op": -1}, {"threads.intra_op": 1.5},
                                    {"threads.intra_op": True}, {"xla": "sometimes"},
                                    {"onnxruntime.intra_op": 1}])
def test_resolve_refuses(values):
    with pytest.raises(ValueError):
        knobs.resolve("tensorflow", values)


def test_schema_settings_and_enums_are_generated_from_the_specs():
    schema = load_schema()
    assert is_current(schema), "run `python -m g2p.schema --write`"
    assert schema["properties"]["runtime"]["properties"]["name"]["enum"] == list(specs.RUNTIMES)
    assert schema["properties"]["model"]["properties"]["form"]["enum"] == list(specs.FORMS) + [None]
    schema["properties"]["model"]["properties"]["runtime"]["enum"].append("jax")
    assert not is_current(schema)
    out = subprocess.run([sys.executable, "-m", "g2p.knobs", "--schema"], cwd=str(ROOT),
                         stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    assert json.loads(out) == json.loads(SCHEMA_FILE.read_text())["properties"]["settings"]


def test_settings_schema_accepts_each_runtimes_defaults():
    import jsonschema

    schema = knobs.settings_schema()
    for runtime in specs.RUNTIMES:
        jsonschema.validate(knobs.resolve(runtime), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"threads.intra_op": 1}, schema)


def test_support_table_covers_everything():
    assert set(support.SUPPORT) == set(specs.RUNTIMES)
    for runtime, row in support.SUPPORT.items():
        assert set(row) == set(specs.DECODINGS)
        assert all(v is None or (isinstance(v, str) and v) for v in row.values())
    assert support.reason("numpy", "loop")
    assert support.reason("tensorflow", "incremental") is None
    assert "unknown runtime" in support.reason("tf", "rerun")
    assert support.form_reason("tensorflow", "loop", "savedmodel")
    assert support.form_reason("tensorflow", "loop", "frozen") is None
    assert support.form_reason("numpy", "incremental", "frozen")
    assert support.form_reason("numpy", "incremental", None) is None


def test_a_spec_refuses_what_it_cannot_mean():
    knob = specs.Knob("jax.threads", "jax", int, 1, minimum=0)
    with pytest.raises(ValueError, match="names runtime 'jax', in the spec of foo"):
        specs.RuntimeSpec("foo", "foo", "pip install foo", knobs=(knob,))
    with pytest.raises(ValueError, match="unknown decoding 'beam'"):
        specs.RuntimeSpec("foo", "foo", "pip install foo", unsupported={"beam": "no"})
    with pytest.raises(ValueError, match="form limit"):
        specs.RuntimeSpec("foo", "foo", "pip install foo", form_limits={("loop", "frozen"): "no"})


def test_the_tables_derive_from_the_specs():
    assert knobs.KNOBS == tuple(k for s in specs.SPECS for k in s.knobs)
    assert [s.default_form for s in specs.SPECS] == ["checkpoint"] + [None] * (len(specs.SPECS) - 1)
    assert specs.FORMS == ("checkpoint", "savedmodel", "frozen", "optimized")
    assert support.form_reason("tensorflow", "incremental", "savedmodel") == \
        specs.spec("tensorflow").form_limits[("incremental", "savedmodel")]


def test_a_missing_package_says_who_needs_it_and_how_to_get_it():
    from g2p.errors import RuntimeMissingError
    from g2p.runtimes import require_package

    with pytest.raises(RuntimeMissingError) as info:
        require_package("g2p_no_such_package", "runtime foo", "pip install foo")
    assert "runtime foo needs the Python package 'g2p_no_such_package'" in str(info.value)
    assert info.value.hint == "pip install foo"

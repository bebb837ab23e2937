import os

import pytest

import g2p
from g2p.errors import UsageError
from g2p.knobs import resolve
from g2p.runtimes.tensorflow import config_proto
from g2p.settings import ENV_KNOBS, recorded_env


def test_defaults_to_config_proto():
    config = config_proto(resolve("tensorflow"))
    assert config.intra_op_parallelism_threads == 0
    assert config.inter_op_parallelism_threads == 0
    assert config.device_count["GPU"] == 0
    assert not config.graph_options.rewrite_options.disable_meta_optimizer
    assert config.graph_options.optimizer_options.global_jit_level == 0  # DEFAULT


def test_all_settings_to_config_proto():
    from tensorflow.core.protobuf import config_pb2

    config = config_proto(resolve("tensorflow", {"threads.intra_op": 1, "threads.inter_op": 2,
                                                 "grappler": "off", "xla": "on"}))
    assert config.intra_op_parallelism_threads == 1
    assert config.inter_op_parallelism_threads == 2
    assert config.graph_options.rewrite_options.disable_meta_optimizer
    assert config.graph_options.optimizer_options.global_jit_level == config_pb2.OptimizerOptions.ON_1


def test_env_is_recorded_not_set(monkeypatch):
    before = dict(os.environ)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("KMP_FOO", "bar")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    env = recorded_env()
    assert env["OMP_NUM_THREADS"] == "1"
    assert env["MKL_NUM_THREADS"] is None
    assert env["KMP_FOO"] == "bar"
    assert set(ENV_KNOBS) <= set(env)
    monkeypatch.undo()
    assert dict(os.environ) == before


def test_single_thread_session_predicts(weights_dir):
    model = g2p.load(weights_dir, threads_intra_op=1, threads_inter_op=1, grappler="off")
    try:
        assert model.settings == {"threads.intra_op": 1, "threads.inter_op": 1,
                                  "grappler": False, "xla": False}
        assert model.predict("aardvark") == [["AA1", "R", "D", "V", "AA2", "R", "K"]]
    finally:
        model.close()


@pytest.mark.parametrize("knobs", [{"threads_intra_op": -1}, {"grappler": "maybe"},
                                   {"openvino.threads": 1}])
def test_bad_knobs_are_refused_before_loading(weights_dir, knobs):
    with pytest.raises(UsageError):
        g2p.load(weights_dir, knobs)

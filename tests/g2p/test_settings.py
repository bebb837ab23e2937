import os

import pytest

import g2p
from g2p.settings import ENV_KNOBS, Settings, recorded_env


def test_defaults_to_config_proto():
    config = Settings().config_proto()
    assert config.intra_op_parallelism_threads == 0
    assert config.inter_op_parallelism_threads == 0
    assert config.device_count["GPU"] == 0
    assert not config.graph_options.rewrite_options.disable_meta_optimizer
    assert config.graph_options.optimizer_options.global_jit_level == 0  # DEFAULT


def test_all_settings_to_config_proto():
    from tensorflow.core.protobuf import config_pb2

    s = Settings(intra_op_threads=1, inter_op_threads=2, grappler="off", xla="on")
    config = s.config_proto()
    assert config.intra_op_parallelism_threads == 1
    assert config.inter_op_parallelism_threads == 2
    assert config.graph_options.rewrite_options.disable_meta_optimizer
    assert config.graph_options.optimizer_options.global_jit_level == config_pb2.OptimizerOptions.ON_1
    assert s.describe() == {"intra_op_threads": 1, "inter_op_threads": 2,
                            "grappler": "off", "xla": "on"}


@pytest.mark.parametrize("kwargs", [{"intra_op_threads": -1}, {"inter_op_threads": 1.5},
                                    {"grappler": "maybe"}, {"xla": "sometimes"}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        Settings(**kwargs)


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
    model = g2p.load("checkpoint", weights_dir, Settings(1, 1, grappler="off"))
    try:
        assert model.predict("aardvark") == [["AA1", "R", "D", "V", "AA2", "R", "K"]]
    finally:
        model.close()

import json
from pathlib import Path

import pytest

from g2p_helpers import run_module
from g2p import sysinfo
from g2p.profile import case_texts, predictions_digest

SCHEMA = Path(__file__).resolve().parents[2] / "g2p" / "profile.schema.json"


@pytest.fixture(scope="module")
def validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_cases_are_fixed_sentences():
    cases = case_texts()
    assert [n for n, _ in cases] == list(range(1, 21))
    assert all(len(text.split()) == n for n, text in cases)


def test_profile_stdout_is_pure_json_and_valid(exported, validator, reference_model):
    proc = run_module(["g2p.profile", "--form", "frozen", "--model-dir", str(exported["frozen"]),
                       "--warmups", "0", "--repeats", "1", "--max-words", "3"])
    doc = json.loads(proc.stdout)
    validator.validate(doc)
    assert doc["schema"] == "tfopt.profile/1"
    assert [c["words"] for c in doc["cases"]] == [1, 2, 3]
    assert all(len(c["samples_ns"]) == 1 and c["samples_ns"][0] > 0 for c in doc["cases"])
    assert doc["protocol"]["warmups"] == 0 and doc["protocol"]["repeats"] == 1
    assert doc["model"]["form"] == "frozen"
    assert doc["predictions"] == predictions_digest(reference_model)
    assert doc["settings"] == {"intra_op_threads": 0, "inter_op_threads": 0,
                               "grappler": "on", "xla": "off"}
    t = doc["timings"]
    assert 0 < t["start_to_import_done_ns"] <= t["start_to_model_loaded_ns"] \
        <= t["start_to_first_prediction_ns"]
    assert doc["peak_rss_bytes"] > 10 * 2 ** 20
    import tensorflow as tf

    assert doc["tensorflow"]["version"] == tf.__version__


def test_profile_to_file_with_settings(exported, validator, tmp_path):
    out = tmp_path / "p.json"
    proc = run_module(["g2p.profile", "--form", "optimized",
                       "--model-dir", str(exported["optimized"]), "--intra-op", "1",
                       "--inter-op", "1", "--grappler", "off", "--warmups", "1",
                       "--repeats", "2", "--max-words", "1", "--out", str(out)],
                      env={"OMP_NUM_THREADS": "1"})
    assert proc.stdout == ""
    doc = json.loads(out.read_text())
    validator.validate(doc)
    assert doc["settings"]["intra_op_threads"] == 1 and doc["settings"]["grappler"] == "off"
    assert doc["env"]["OMP_NUM_THREADS"] == "1"
    assert len(doc["cases"][0]["samples_ns"]) == 2
    assert doc["model"]["tool"] in ("graph_transforms", "grappler")


def test_profile_bad_usage_exits_2(exported):
    proc = run_module(["g2p.profile", "--form", "bogus", "--model-dir", "/nonexistent"], check=False)
    assert proc.returncode == 2 and proc.stdout == ""


def test_profile_wrong_form_fails_without_json(exported):
    proc = run_module(["g2p.profile", "--form", "frozen", "--model-dir",
                       str(exported["savedmodel"]), "--repeats", "1", "--max-words", "1"],
                      check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "savedmodel" in proc.stderr


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2(tmp_path):
    root = tmp_path / "sys"
    _write(root / "cgroup.controllers", "cpuset cpu memory")
    _write(root / "cpu.max", "50000 100000")
    _write(root / "memory.max", "4294967296")
    _write(root / "cpuset.cpus.effective", "0")
    _write(root / "cpu.stat", "usage_usec 10\nnr_periods 7\nnr_throttled 3\nthrottled_usec 25\n")
    _write(tmp_path / "proc", "0::/\n")
    info = sysinfo.cgroup_info(str(root), str(tmp_path / "proc"))
    assert info["version"] == 2
    assert (info["cpu_quota_us"], info["cpu_period_us"], info["cpus"]) == (50000, 100000, 0.5)
    assert info["memory_limit_bytes"] == 4294967296 and info["cpuset"] == "0"
    assert (info["nr_periods"], info["nr_throttled"], info["throttled_time_ns"]) == (7, 3, 25000)


def test_cgroup_v2_unlimited(tmp_path):
    root = tmp_path / "sys"
    _write(root / "cgroup.controllers", "cpu memory")
    _write(root / "cpu.max", "max 100000")
    _write(root / "memory.max", "max")
    _write(tmp_path / "proc", "0::/\n")
    info = sysinfo.cgroup_info(str(root), str(tmp_path / "proc"))
    assert info["cpu_quota_us"] is None and info["cpus"] is None
    assert info["memory_limit_bytes"] is None


def test_cgroup_v1_docker(tmp_path):
    root = tmp_path / "sys"
    cpu = root / "cpu,cpuacct"
    _write(cpu / "cpu.cfs_quota_us", "100000")
    _write(cpu / "cpu.cfs_period_us", "100000")
    _write(cpu / "cpu.stat", "nr_periods 11\nnr_throttled 2\nthrottled_time 123456\n")
    _write(cpu / "cpuacct.usage", "999")
    _write(root / "memory" / "memory.limit_in_bytes", "4294967296")
    _write(root / "cpuset" / "cpuset.cpus", "1")
    _write(tmp_path / "proc", "12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n"
                              "3:cpuset:/docker/abc\n0::/system.slice/docker.service\n")
    info = sysinfo.cgroup_info(str(root), str(tmp_path / "proc"))
    assert info["version"] == 1
    assert info["cpus"] == 1.0 and info["memory_limit_bytes"] == 4294967296
    assert info["cpuset"] == "1" and info["cpu_usage_ns"] == 999
    assert (info["nr_periods"], info["nr_throttled"], info["throttled_time_ns"]) == (11, 2, 123456)


def test_cgroup_v1_unlimited(tmp_path):
    root = tmp_path / "sys"
    _write(root / "cpu" / "cpu.cfs_quota_us", "-1")
    _write(root / "cpu" / "cpu.cfs_period_us", "100000")
    _write(root / "memory" / "memory.limit_in_bytes", "9223372036854771712")
    _write(tmp_path / "proc", "2:cpu:/\n4:memory:/\n")
    info = sysinfo.cgroup_info(str(root), str(tmp_path / "proc"))
    assert info["cpu_quota_us"] is None and info["cpus"] is None
    assert info["memory_limit_bytes"] is None


def test_real_cgroup_and_process_start_are_readable():
    info = sysinfo.cgroup_info()
    assert info["version"] in (1, 2, None)
    assert sysinfo.process_start_boottime_ns() <= sysinfo.boottime_ns()

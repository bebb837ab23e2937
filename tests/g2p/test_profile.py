import json
import os
import subprocess
import sys
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
    proc = run_module(["g2p.profile", "--model-dir", str(exported["frozen"]), "--form", "frozen",
                       "--warmups", "0", "--repeats", "1", "--max-words", "3"])
    doc = json.loads(proc.stdout)
    validator.validate(doc)
    assert doc["schema"] == "tfopt.profile/2"
    assert [c["words"] for c in doc["cases"]] == [1, 2, 3]
    assert all(len(c["samples_ns"]) == 1 and c["samples_ns"][0] > 0 for c in doc["cases"])
    assert doc["protocol"]["warmups"] == 0 and doc["protocol"]["repeats"] == 1
    assert (doc["model"]["runtime"], doc["model"]["decoding"], doc["model"]["form"]) == \
        ("tensorflow", "rerun", "frozen")
    assert doc["predictions"] == predictions_digest(reference_model)
    assert doc["settings"] == {"threads.intra_op": 0, "threads.inter_op": 0,
                               "grappler": True, "xla": False}
    assert doc["macs"]["per_case"] == {"1": 144691200, "2": 2 * 144691200, "3": 3 * 144691200}
    assert doc["microbench"]["kind"] == "sgemm" and doc["microbench"]["gmacs_per_s"] > 0
    assert doc["bandwidth"]["kind"] == "bandwidth"
    assert [x["level"] for x in doc["bandwidth"]["levels"]] == ["L1", "L2", "L3", "DRAM"]
    assert all(x["gb_per_s"] > 0 for x in doc["bandwidth"]["levels"])
    assert sorted(doc["steps"]["per_case"]) == ["1", "2", "3"]
    assert [s["kind"] for s in doc["steps"]["per_case"]["1"]] == ["encoder", "keys", "decoder"]
    t = doc["timings"]
    assert 0 < t["start_to_import_done_ns"] <= t["start_to_model_loaded_ns"] \
        <= t["start_to_first_prediction_ns"]
    assert doc["peak_rss_bytes"] > 10 * 2 ** 20
    import tensorflow as tf

    assert doc["tensorflow"]["version"] == tf.__version__
    assert doc["runtime"] == {"name": "tensorflow", "version": tf.__version__}


def test_profile_to_file_with_knob_flags(exported, validator, tmp_path):
    out = tmp_path / "p.json"
    proc = run_module(["g2p.profile", "--model-dir", str(exported["optimized"]),
                       "--threads-intra-op", "1", "--threads-inter-op", "1", "--grappler", "off",
                       "--warmups", "1", "--repeats", "2", "--max-words", "1",
                       "--microbench", "off", "--out", str(out)],
                      env={"OMP_NUM_THREADS": "1"})
    assert proc.stdout == ""
    doc = json.loads(out.read_text())
    validator.validate(doc)
    assert doc["settings"]["threads.intra_op"] == 1 and doc["settings"]["grappler"] is False
    assert doc["env"]["OMP_NUM_THREADS"] == "1"
    assert len(doc["cases"][0]["samples_ns"]) == 2
    assert doc["model"]["tool"] in ("graph_transforms", "grappler")
    assert doc["microbench"] is None and doc["bandwidth"] is None


def test_profile_numpy_runtime_never_imports_tensorflow(export_dir, validator, tmp_path,
                                                        reference_model):
    model_dir = export_dir("numpy", "incremental")
    out = tmp_path / "n.json"
    code = ("import sys; from g2p import profile; "
            "rc = profile.main(['--model-dir', %r, '--repeats', '1', '--warmups', '0', "
            "'--max-words', '2', '--microbench', 'off', '--out', %r]); "
            "assert rc == 0, rc; assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
            % (str(model_dir), str(out)))
    root = str(SCHEMA.parents[1])
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                   env=dict(os.environ, PYTHONPATH=root))
    doc = json.loads(out.read_text())
    validator.validate(doc)
    assert doc["tensorflow"] is None and doc["settings"] == {}
    assert doc["runtime"]["name"] == "numpy" and doc["model"]["form"] is None
    assert doc["macs"]["per_case"] == {"1": 7234560, "2": 2 * 7234560}
    assert doc["predictions"] == predictions_digest(reference_model)


def test_profile_bad_usage_exits_2(exported, export_dir):
    proc = run_module(["g2p.profile", "--model-dir", "/nonexistent", "--bogus"], check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    proc = run_module(["g2p.profile", "--model-dir", str(export_dir("numpy", "incremental")),
                       "--threads-intra-op", "1"], check=False)
    assert proc.returncode == 2 and "--threads-intra-op" in proc.stderr


def test_profile_wrong_form_fails_without_json(exported):
    proc = run_module(["g2p.profile", "--form", "frozen", "--model-dir",
                       str(exported["savedmodel"]), "--repeats", "1", "--max-words", "1"],
                      check=False)
    assert proc.returncode == 4 and proc.stdout == ""
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

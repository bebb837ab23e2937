"""The pipeline as a user runs it: `invoke profile` on a real engine, real images,
real TensorFlow 1.13 and 2.21, the real checkpoint; then `invoke plot`/`report`."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tfopt.records import documents, store
from tfopt.measure.validate import validate_profile

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
QUICK = ["--rounds", "1", "--repeats", "2", "--warmups", "1"]


def invoke(*args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-6000:], done.stderr[-3000:])
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def profile_containers(engine):
    return engine.client.containers.list(all=True, filters={"label": "tfopt.kind=profile"}, ignore_removed=True)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="module")
def stock_run(engine, results_dir):
    done = invoke("profile", "--variant", "tf1-stock", "--variant", "tf2-stock", *QUICK,
                  "--results", str(results_dir))
    return done, {n: r.to_doc() for n, r in documents.latest_by_variant(results_dir).items()}


def test_plan_is_printed_before_work(stock_run):
    out = stock_run[0].stdout
    assert out.index("plan: 2 variant(s)") < out.index("run ")
    assert "tf1-stock  [tf1.13]" in out and "tf2-stock  [tf2.21]" in out


def test_both_stock_variants_measured_under_one_cpu_and_4gib(stock_run):
    docs = stock_run[1]
    assert set(docs) == {"tf1-stock", "tf2-stock"}
    for doc in docs.values():
        profile = doc["visits"][0]["profile"]
        validate_profile(profile)
        cgroup = profile["cgroup"]
        assert cgroup["cpu_quota_us"] == cgroup["cpu_period_us"]
        assert cgroup["cpus"] == 1.0
        assert cgroup["memory_limit_bytes"] == 4 * GIB
        assert doc["limits"] == {"cpus": 1.0, "memory_bytes": 4 * GIB, "cpuset": None}
        assert [c["words"] for c in profile["cases"]] == list(range(1, 21))
        assert all(len(c["samples_ns"]) == 2 for c in profile["cases"])
    assert docs["tf1-stock"]["visits"][0]["profile"]["tensorflow"]["version"] == "1.13.1"
    assert docs["tf2-stock"]["visits"][0]["profile"]["tensorflow"]["version"] == "2.21.0"


def test_tf1_and_tf2_predict_identically(stock_run):
    docs = stock_run[1]
    digests = {d["visits"][0]["profile"]["predictions"]["digest"] for d in docs.values()}
    assert len(digests) == 1


def test_result_carries_provenance(stock_run):
    doc = stock_run[1]["tf2-stock"]
    labels = doc["image"]["labels"]
    assert labels["tfopt.managed"] == "true"
    assert "tf2-stock" in labels["tfopt.variants"]
    assert len(labels["tfopt.tf_wheel_sha256"]) == 64
    assert labels["tfopt.inputs"] in doc["image"]["tag"]
    assert doc["host"]["tfopt_version"] and doc["host"]["docker_version"]
    assert doc["variant"]["reference"] == "tf2-stock"


def test_no_profiling_container_is_left(engine, stock_run):
    assert profile_containers(engine) == []


def test_plots_and_report_from_the_measurements(stock_run, results_dir):
    folder = store.run_dir(results_dir, stock_run[1]["tf1-stock"]["run_id"])
    invoke("plot", "--results", str(results_dir))
    invoke("report", "--results", str(results_dir))
    for name in ("latency-tf1.13.png", "latency-tf2.21.png", "report.md", "report.html"):
        assert (folder / name).stat().st_size > 1000, name
        assert not (results_dir / name).exists(), f"{name} belongs in the run's folder"
    report = (folder / "report.md").read_text()
    assert "tf1-stock" in report and "tf2-stock" in report
    assert "no CI: 1 container" in report  # one round: says so instead of inventing an interval


def test_second_run_rebuilds_nothing_and_keeps_the_first(stock_run, results_dir):
    first_run = stock_run[1]["tf2-stock"]["run_id"]
    done = invoke("profile", "--variant", "tf2-stock", "--variant", "tf2-1thread", "--rounds", "1",
                  "--repeats", "1", "--warmups", "0", "--max-words", "2", "--results", str(results_dir))
    assert "building image" not in done.stdout
    assert "reused (tf2-stock, tf2-1thread)" in done.stdout
    assert first_run in store.list_run_ids(results_dir)
    latest = documents.latest_by_variant(results_dir)
    assert latest["tf2-stock"].run_id != first_run
    assert latest["tf1-stock"].run_id == first_run


def test_aa_run_reports_two_arms_of_one_image(stock_run, results_dir):
    invoke("profile", "--aa", "tf2-stock", "--rounds", "1", "--repeats", "2", "--warmups", "1",
           "--max-words", "3", "--results", str(results_dir))
    arms = documents.load_run(results_dir, store.list_run_ids(results_dir)[-1]).arms
    assert set(arms) == {"tf2-stock@A", "tf2-stock@B"}
    assert arms["tf2-stock@A"].image_id == arms["tf2-stock@B"].image_id
    invoke("report", "--results", str(results_dir))  # the latest run: this A/A run
    report = (store.run_dir(results_dir, arms["tf2-stock@A"].run_id) / "report.md").read_text()
    assert "tf2-stock@B against tf2-stock@A" in report


def test_out_of_memory_fails_cleanly_and_keeps_earlier_results(engine, stock_run, results_dir, tmp_path):
    before = store.list_run_ids(results_dir)
    variants = tmp_path / "variants.yaml"
    variants.write_text((ROOT / "variants.yaml").read_text() + textwrap.dedent("""
        tf2-starved:
          extends: tf2-stock
          description: far too little memory for TensorFlow
          limits: {memory: 96m}
    """).replace("\n", "\n  "))
    done = invoke("profile", "--file", str(variants), "--variant", "tf2-starved", "--rounds", "1",
                  "--repeats", "1", "--warmups", "0", "--max-words", "1", "--results", str(results_dir), check=False)
    assert done.returncode == 6, done.stdout
    assert "out of memory" in done.stdout + done.stderr
    assert profile_containers(engine) == []
    assert set(before) <= set(store.list_run_ids(results_dir))


def test_bad_variants_file_is_refused_before_any_work(tmp_path):
    bad = tmp_path / "variants.yaml"
    bad.write_text("variants:\n  x:\n    python: '3.11'\n    tensorflow: {pypi: tensorflow-cpu==2.21.0}\n"
                   "    therads: {intra_op: 1}\n")
    done = invoke("profile", "--file", str(bad), "--variant", "x", check=False)
    assert done.returncode == 2
    assert "did you mean 'threads'?" in done.stderr
    assert "plan:" not in done.stdout


def test_flamegraph_records_the_profiler_in_its_container(engine, stock_run, results_dir):
    invoke("flamegraph", "--variant", "tf2-stock", "--duration", "20", "--results", str(results_dir))
    svg = (results_dir / "flame-tf2-stock.svg").read_text()
    assert svg.lstrip().startswith("<?xml"), svg[:300]
    assert "g2p/model.py" in svg, "no frame of g2p's predict() was sampled"
    assert engine.client.containers.list(all=True, filters={"label": "tfopt.managed=true"}) == []

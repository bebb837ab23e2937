"""The -march question with published wheels: the tf2.14-isa family (tensorflow-cpu,
intel-tensorflow and intel-tensorflow-avx512 2.14.0 on Python 3.11, one thread) installs,
predicts like its reference, and each image records its wheel's instruction counts, which
the report shows. Warm machine: about 3 min (images reused, ISA counts cached); cold: three
TF images (~3 min each) and three disassemblies (~5 min each)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tfopt.analysis import gate
from tfopt.records import documents
from tfopt.source_build.isa import host_cpu_flags

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FAMILY = ["tf214-stock", "tf214-intel", "tf214-intel-avx512"]


@pytest.fixture(scope="module")
def family_run(engine, tmp_path_factory):
    if "avx512f" not in host_cpu_flags():
        pytest.skip("intel-tensorflow-avx512 needs a CPU with AVX-512")
    out = tmp_path_factory.mktemp("results")
    args = [a for name in FAMILY for a in ("--variant", name)]
    done = subprocess.run([sys.executable, "-m", "invoke", "profile", *args, "--rounds", "1", "--repeats", "1",
                           "--max-words", "2", "--results", str(out)], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-4000:], done.stderr[-2000:])
    assert done.returncode == 0, done.stderr[-3000:]
    subprocess.run([sys.executable, "-m", "invoke", "report", "--results", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return out, documents.latest_by_variant(out)


def test_the_three_wheels_install_and_predict_alike(family_run):
    _, docs = family_run
    assert set(docs) == set(FAMILY)
    for name in FAMILY:
        assert docs[name].reference == "tf214-stock"
        assert gate.status(docs, name) == gate.OK, name


def test_each_image_records_its_wheels_instruction_counts(family_run):
    _, docs = family_run
    counts = {name: docs[name].tf_isa for name in FAMILY}
    assert all(counts.values()), counts
    avx512 = counts["tf214-intel-avx512"]
    assert avx512["avx512f"] > 10 * max(counts["tf214-stock"]["avx512f"], counts["tf214-intel"]["avx512f"], 1)
    assert avx512["fma"] > 10 * max(counts["tf214-stock"]["fma"], 1)


def test_report_shows_the_isa_table(family_run):
    out, _ = family_run
    reports = sorted(out.rglob("report.md"))  # in the run's folder
    assert len(reports) == 1, reports
    report = reports[0].read_text()
    assert "Instruction sets of the TensorFlow wheels" in report
    assert "intel-tensorflow-avx512==2.14.0" in report

import json

import pytest

from factories import RUN_ID, aa_arms, experiment_family
from tfopt import paths
from tfopt.records import documents
from tfopt.render import plots, views

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(docs, arm_docs, meta):
    record = documents.RunRecord(run_id=RUN_ID, kind=meta["kind"], status="complete",
                                 protocol=meta.get("protocol") or {})
    return documents.Run(record=record, variants=docs, arms=arm_docs)


@pytest.fixture
def published(tmp_path):
    path = tmp_path / "seed-raw-results.json"
    path.write_text(json.dumps({"initial": [[1, 303.13], [20, 1404.0]],
                                "OptimizedModel": [[1, 83.93], [20, 240.05]]}))
    return path


def test_render_writes_one_latency_and_speedup_chart_per_family(tmp_path, published):
    paths = plots.render(experiment_family(), tmp_path / "out", published=published)
    assert sorted(p.name for p in paths) == [
        "latency-tf1.13.png", "latency-tf2.21.png", "published-2019.png",
        "speedup-tf1.13.png", "speedup-tf2.21.png"]
    for p in paths:
        assert p.read_bytes()[:8] == PNG_MAGIC and p.stat().st_size > 10_000


def test_family_of_only_a_reference_gets_no_speedup_chart(tmp_path):
    results = {"tf2-stock": experiment_family()["tf2-stock"]}
    assert [p.name for p in plots.render(results, tmp_path)] == ["latency-tf2.21.png"]


def test_gate_failure_is_marked_in_labels():
    results = experiment_family()
    assert plots.DIFFERS_MARK in plots.variant_label(results, "optimized")
    assert plots.DIFFERS_MARK not in plots.variant_label(results, "frozen")
    assert plots.variant_label(results, "stock") == "stock (reference)"
    assert plots.limits_label(results) == "1 CPU, 4 GiB"


def test_report_files_and_contents(tmp_path, published):
    results = experiment_family()
    protocol = {"rounds": 3, "repeats": 5, "warmups": 2, "seed": 1234, "pin": "0"}
    paths = views.run_report(_run(results, aa_arms(), {"kind": "profile", "protocol": protocol}), tmp_path,
                             published=published)
    names = {p.name for p in paths}
    assert {"report.md", "report.html", "latency-tf1.13.png", "speedup-tf1.13.png",
            "published-2019.png"} <= names
    md = (tmp_path / "report.md").read_text()
    page = (tmp_path / "report.html").read_text()

    rows = {line.split("|")[1].strip(): line for line in md.splitlines()
            if line.startswith("| ") and line.count("|") == 11}
    assert list(rows)[:8] == ["variant", "stock", "avx2-fma", "mkl", "mkl-1thread",
                              "mkl-1thread-omp", "frozen", "optimized"]
    assert "✗ differs" in rows["optimized"] and "✓" in rows["frozen"]
    assert "mkl: off → on" in rows["mkl"]
    assert "slower" in rows["mkl"] and "faster" in rows["frozen"]
    assert "601 MiB" in rows["stock"] and "0.80 s (2.9 s)" in rows["stock"] and "1.20 GB" in rows["stock"]
    assert rows["stock"].split("|")[3].strip().startswith("30")  # ~303 ms at 1 word
    for text in ("A/A noise floor", "stock@B against stock@A", "throttled", "OMP_NUM_THREADS=1",
                 "avx512f", "avx2", "fma", "6.8.0-synthetic", "27.3.1", "1.13.1", "2.21.0",
                 RUN_ID, "| profile |", "| 1234 |", "3 (27 containers)", "Synthetic CPU", "1 CPU, 4 GiB"):
        assert text in md, text
    for img in ("latency-tf1.13.png", "speedup-tf2.21.png", "published-2019.png"):
        assert f'src="{img}"' in page and f"]({img})" in md
    assert "<table>" in page and "optimized" in page and "may_change_predictions" in page


def test_report_without_aa_says_so(tmp_path):
    views.run_report(_run(experiment_family(), {}, {"kind": "profile"}), tmp_path, published=None)
    assert "No A/A pair in this run for tf1.13, tf2.21" in (tmp_path / "report.md").read_text()
    assert not (tmp_path / "published-2019.png").exists()


def test_the_shipped_published_figures_chart(tmp_path):
    """docs/published-2019.json is what every report's published-2019.png is drawn from."""
    shipped = paths.PROJECT_ROOT / "docs" / "published-2019.json"
    data = json.loads(shipped.read_text())
    assert list(data) and set(data) == set(plots.PUBLISHED_ORDER)  # each of the write-up's steps, no other
    for step, points in data.items():
        assert {1, 20} <= {w for w, _ in points} and all(ms > 0 for _, ms in points), step
    path = plots.published_chart(shipped, tmp_path / "published-2019.png")
    assert path.read_bytes()[:8] == PNG_MAGIC

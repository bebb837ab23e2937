"""The report's distance-to-the-limit table and the summary's bests, from synthetic documents."""

from dataclasses import replace

import pytest

from factories import experiment_family, linear_ms, make_result, with_floor_inputs
from tfopt.analysis import compute_bound
from tfopt.render.document import to_markdown
from tfopt.render.report import build


def with_work(result, macs_per_word, gmacs, runtime="tensorflow", decoding="rerun",
              image_bytes=None, rss_mib=None, ready_s=None):
    result = replace(result, runtime=runtime, decoding=decoding)
    for visit in result.visits:
        profile = visit.profile
        profile["macs"] = {"per_case": {str(n): macs_per_word * n for n in range(1, 21)}, "formula": "test"}
        profile["microbench"] = {"kind": "sgemm", "gmacs_per_s": gmacs, "n": 256, "repeats": 3}
        profile["runtime"] = {"name": runtime, "version": "1.32.0" if runtime == "onnxruntime" else "2.21.0"}
        if rss_mib:
            profile["peak_rss_bytes"] = rss_mib * 2**20
        if ready_s:
            profile["timings"]["start_to_first_prediction_ns"] = int(ready_s * 1e9)
    return replace(result, image_size_bytes=image_bytes) if image_bytes else result


def family():
    results = {
        "tf2-stock": make_result("tf2-stock", family="tf2.21", reference="tf2-stock",
                                 median_ms=linear_ms(60, 200), sigma=0.0, seed=1),
        "ort-incremental": make_result("ort-incremental", family="tf2.21", parent="tf2-stock",
                                       reference="tf2-stock", median_ms=linear_ms(2, 8), sigma=0.0, seed=2),
    }
    results["tf2-stock"] = with_work(results["tf2-stock"], 145_000_000, 50.0, image_bytes=1_500_000_000)
    results["ort-incremental"] = with_work(results["ort-incremental"], 7_200_000, 50.0, runtime="onnxruntime",
                                           decoding="incremental", image_bytes=150_000_000, rss_mib=90, ready_s=0.4)
    return results


def test_distance_is_the_measured_time_over_the_time_the_macs_take_at_the_peak():
    d = compute_bound.distance(family()["ort-incremental"], 20)
    assert d.macs == 144_000_000 and d.peak_gmacs_per_s == 50.0
    assert d.bound_ms == pytest.approx(144e6 / 50e9 * 1e3)          # 2.88 ms
    assert d.measured_ms == pytest.approx(8.0) and d.above == pytest.approx(8.0 / 2.88)


def test_report_has_the_limit_columns_per_variant():
    text = to_markdown(build(family()), "t")
    section = text[text.index("## Distance to the limit"):]
    assert "| ms at compute bound | ms measured | x above the bound |" in section
    row = next(line for line in section.splitlines() if line.startswith("| ort-incremental"))
    assert "onnxruntime · incremental" in row and "7.2 M / 144.0 M" in row and "| 50.0 |" in row
    assert "0.14 / 2.88" in row and "| 14x / 2.8x |" in row           # 2 / 0.144 ms, 8 / 2.88 ms
    stock = next(line for line in section.splitlines() if line.startswith("| tf2-stock"))
    assert "tensorflow · rerun" in stock and "| 21x / 3.4x |" in stock  # 60 / 2.9 ms, 200 / 58 ms
    assert "| other runtimes | onnxruntime 1.32.0 |" in text


def test_without_macs_the_section_says_how_to_get_them():
    text = to_markdown(build(experiment_family()), "t")
    assert "No profile here records MACs" in text


def test_summary_names_the_best_for_latency_memory_start_up_and_size():
    results = family()
    results["bf16"] = with_work(make_result("bf16", family="tf2.21", parent="ort-incremental",
                                            reference="tf2-stock", median_ms=linear_ms(1, 4), sigma=0.0,
                                            digest="sha256:" + "b" * 64, may_change_predictions=True),
                                7_200_000, 50.0, image_bytes=1_000, rss_mib=10, ready_s=0.1)
    summary = to_markdown(build(results), "t").split("## ")[1]
    assert "Fastest at 1 word: ort-incremental (2.00 ms median)" in summary
    assert "Fastest at 20 words: ort-incremental (8.00 ms median)" in summary
    assert "Lowest peak RSS: ort-incremental (90 MiB)" in summary
    assert "Quickest to its first prediction: ort-incremental (0.40 s" in summary
    assert "Smallest image: ort-incremental (0.15 GB)" in summary
    assert "bf16" not in summary  # changed predictions never win


def test_the_bound_uses_the_runs_best_peak_not_a_slow_blas_in_one_image():
    results = family()
    results["tf2-stock"] = with_work(results["tf2-stock"], 145_000_000, 12.5)  # an old NumPy's BLAS in that image
    assert compute_bound.run_peak(results) == 50.0
    text = to_markdown(build(results), "t")
    stock = next(line for line in text[text.index("## Distance to the limit"):].splitlines()
                 if line.startswith("| tf2-stock"))
    assert "| 12.5 |" in stock                      # its own figure is shown
    assert "| 21x / 3.4x |" in stock                # but the bound is the run's best (50 GMAC/s)


def test_the_floor_columns_appear_only_with_the_bandwidth_record():
    plain = to_markdown(build(family()), "t")
    header = next(line for line in plain.splitlines() if line.startswith("| variant | runtime · decoding"))
    assert header.endswith("| x above the bound |") and "x above the floor" not in plain
    results = family()
    results["ort-incremental"] = with_floor_inputs(results["ort-incremental"])
    section = to_markdown(build(results), "t")
    section = section[section.index("## Distance to the limit"):]
    assert "| x above the bound | ms at the floor | x above the floor |" in section
    row = next(line for line in section.splitlines() if line.startswith("| ort-incremental"))
    # 1 word: 5 steps x 1 M MACs at 50 GMAC/s = 0.1 ms (2 ms measured: 20x); 20 words: 5 x 20 M MACs = 2 ms
    # (the 2 MB a step streams come from L3 at 50 GB/s in 0.04 ms: compute-bound; 8 ms measured: 4.0x)
    assert row.endswith("| 0.10 / 2.00 | 20x / 4.0x |")
    stock = next(line for line in section.splitlines() if line.startswith("| tf2-stock"))
    assert stock.endswith("| — / — | — / — |")
    assert "L2 (1 MiB) 40.0 GB/s" in section and "L3 (32 MiB) 50.0 GB/s" in section

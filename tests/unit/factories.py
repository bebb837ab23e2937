"""Synthetic results (schema tfopt.result/1) with timings from known distributions: make_doc gives
the document as written, make_result its record."""

import json
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Sequence

import numpy as np

from tfopt.records.documents import VariantResult

RUN_ID = "20261124T193000Z-test"
REFERENCE_DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64


def linear_ms(one_word: float, twenty_words: float) -> Callable[[int], float]:
    """Median ms per predict() growing linearly from 1 to 20 words."""
    return lambda words: one_word + (twenty_words - one_word) * (words - 1) / 19


def make_doc(name: str, *, family: str = "tf1.13", parent: Optional[str] = None,
                reference: str = "stock", median_ms: Callable[[int], float] = linear_ms(100, 250),
                sigma: float = 0.02, visits: int = 3, repeats: int = 5,
                words: Iterable[int] = range(1, 21), digest: str = REFERENCE_DIGEST,
                visit_digests: Optional[Sequence[str]] = None,
                may_change_predictions: bool = False, throttled_share: float = 0.0,
                samples_ms: Optional[Dict[int, Sequence[float]]] = None,
                arm_of: Optional[str] = None, changes: Optional[dict] = None,
                run_id: str = RUN_ID, seed: int = 0) -> dict:
    """One variant's result document. Each call's time is median_ms(words) * exp(N(0, sigma)),
    so the true median is exactly median_ms(words). `samples_ms` instead gives the exact
    pooled samples per word count (spread round-robin over the visits)."""
    rng = np.random.default_rng(seed)
    words = list(samples_ms) if samples_ms is not None else list(words)
    docs = []
    for v in range(visits):
        cases = []
        for w in words:
            if samples_ms is not None:
                ms = list(samples_ms[w])[v::visits]
            else:
                ms = median_ms(w) * np.exp(rng.normal(0, sigma, repeats))
            cases.append({"words": w, "text": " ".join(["word"] * w),
                          "samples_ns": [int(round(x * 1e6)) for x in ms]})
        periods = 1000
        docs.append({
            "round": v, "position": 0, "exit_code": 0, "oom_killed": False,
            "started_at": "2026-11-24T19:30:00Z", "finished_at": "2026-11-24T19:31:00Z",
            "profile": {
                "schema": "tfopt.profile/1",
                "cases": cases,
                "predictions": {"digest": visit_digests[v] if visit_digests else digest,
                                "words": len(words)},
                "peak_rss_bytes": 600 * 2**20 + v * 2**20,
                "timings": {"import_ns": int(1.5e9), "load_ns": int(0.8e9),
                            "first_prediction_ns": int(0.3e9),
                            "start_to_model_loaded_ns": int(2.5e9),
                            "start_to_first_prediction_ns": int(2.9e9)},
                "cgroup": {"version": 2, "cpu_quota_us": 100000, "cpu_period_us": 100000,
                           "cpus": 1.0, "cpuset": None, "memory_limit_bytes": 4 * 2**30,
                           "nr_periods": periods,
                           "nr_throttled": int(periods * throttled_share),
                           "throttled_time_ns": int(periods * throttled_share * 5e6)},
                "tensorflow": {"version": "2.21.0" if family.startswith("tf2") else "1.13.1"},
                "cpu": {"model": "Synthetic CPU @ 3.00GHz", "flags": ["sse4_2", "avx", "avx2", "fma"]},
                "settings": {}, "env": {},
            },
        })
    return {
        "schema": "tfopt.result/1",
        "run_id": run_id,
        "variant": {"name": name, "description": f"synthetic {name}", "family": family,
                    "parent": parent, "reference": reference,
                    "changes": changes if changes is not None else {},
                    "may_change_predictions": may_change_predictions, "arm_of": arm_of,
                    "settings": {}},
        "image": {"id": "sha256:" + "c" * 64, "tag": f"tfopt/{name}:test",
                  "size_bytes": 1_200_000_000, "labels": {}},
        "limits": {"cpus": 1.0, "memory_bytes": 4 * 2**30, "cpuset": None},
        "protocol": {"rounds": visits, "repeats": repeats, "warmups": 2, "seed": 0},
        "host": {"tfopt_version": "0.1.0", "git_commit": "0" * 40, "docker_version": "27.3.1",
                 "kernel": "6.8.0-synthetic", "cpu_model": "Synthetic CPU @ 3.00GHz",
                 "cpu_flags": ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni"]},
        "visits": docs,
    }


def make_result(name: str, **kw) -> VariantResult:
    """make_doc's result as the loader reads it."""
    return VariantResult.from_doc(make_doc(name, **kw))


def experiment_family(seed: int = 0) -> Dict[str, VariantResult]:
    """A tf1.13 family shaped like the 2019 write-up, plus a small tf2.21 family.
    'optimized' changes predictions without being allowed to."""
    steps = [
        ("stock", None, (303, 1404), {}, REFERENCE_DIGEST, False, 0.0),
        ("avx2-fma", "stock", (245, 1388), {"wheel": ["pypi", "source -mavx2 -mfma"]},
         REFERENCE_DIGEST, False, 0.0),
        ("mkl", "avx2-fma", (2679, 7041), {"mkl": [False, True]}, REFERENCE_DIGEST, False, 0.4),
        ("mkl-1thread", "mkl", (782, 2651), {"intra_op_threads": [None, 1], "inter_op_threads": [None, 1]},
         REFERENCE_DIGEST, False, 0.1),
        ("mkl-1thread-omp", "mkl-1thread", (91, 240), {"env.OMP_NUM_THREADS": [None, "1"]},
         REFERENCE_DIGEST, False, 0.0),
        ("frozen", "mkl-1thread-omp", (88, 241), {"model_form": ["checkpoint", "frozen"]},
         REFERENCE_DIGEST, False, 0.0),
        ("optimized", "frozen", (84, 240), {"model_form": ["frozen", "optimized"]},
         OTHER_DIGEST, False, 0.0),
    ]
    results = {}
    for i, (name, parent, (one, twenty), changes, digest, _, throttled) in enumerate(steps):
        results[name] = make_result(name, parent=parent, median_ms=linear_ms(one, twenty),
                                    changes=changes, digest=digest, throttled_share=throttled,
                                    sigma=0.15 if name == "mkl" else 0.02, seed=seed + i)
    results["tf2-stock"] = make_result("tf2-stock", family="tf2.21", reference="tf2-stock",
                                       median_ms=linear_ms(60, 200), seed=seed + 20)
    results["tf2-onednn-off"] = make_result(
        "tf2-onednn-off", family="tf2.21", parent="tf2-stock", reference="tf2-stock",
        median_ms=linear_ms(61, 202), changes={"env.TF_ENABLE_ONEDNN_OPTS": [None, "0"]},
        seed=seed + 21)
    return results


def aa_arms(seed: int = 0) -> Dict[str, VariantResult]:
    """Two arms of the same variant, same distribution."""
    return {name: make_result(name, arm_of="stock", median_ms=linear_ms(100, 250),
                              run_id="20261125T100000Z-aaaa", seed=seed + i)
            for i, name in enumerate(["stock@A", "stock@B"])}


PROFILE_TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "profile-tf2-stock.json"


def profile_doc(scale: float = 1.0, container_sd: float = 0.03, call_sd: float = 0.01,
                seed: int = 0) -> dict:
    """A schema-valid profiler document (a real tf2-stock one, 20 cases × 4 calls) whose
    times are scaled by `scale`, one container effect exp(N(0, container_sd)) and
    per-call noise exp(N(0, call_sd)): what one container of a variant would print."""
    rng = np.random.default_rng(seed)
    doc = json.loads(PROFILE_TEMPLATE.read_text())
    container = scale * float(np.exp(rng.normal(0, container_sd)))
    for case in doc["cases"]:
        base = float(np.median(case["samples_ns"]))
        case["samples_ns"] = [int(base * container * np.exp(rng.normal(0, call_sd)))
                              for _ in case["samples_ns"]]
    return doc


def with_floor_inputs(result, l2_gbs=40.0, gmacs=50.0):
    """Each visit records the SGEMM peak, a 5-step decoder of 100 000 B and 1 M MACs per word for
    every case, and L1/L2/L3/DRAM bandwidths (L2 at `l2_gbs`) with a 32 KiB / 1 MiB / 32 MiB cache."""
    for visit in result.visits:
        p = visit.profile
        p["microbench"] = {"kind": "sgemm", "gmacs_per_s": gmacs}
        p["steps"] = {"per_case": {str(n): [{"kind": "decoder", "count": 5, "words": n,
                                             "bytes": 100_000 * n, "macs": 1_000_000 * n}]
                                   for n in range(1, 21)}, "table": {}, "formula": "test"}
        p["bandwidth"] = {"kind": "bandwidth", "levels": [
            {"level": "L1", "cache_bytes": 32 << 10, "buffer_bytes": 16 << 10, "gb_per_s": 100.0},
            {"level": "L2", "cache_bytes": 1 << 20, "buffer_bytes": 512 << 10, "gb_per_s": l2_gbs},
            {"level": "L3", "cache_bytes": 32 << 20, "buffer_bytes": 8 << 20, "gb_per_s": 50.0},
            {"level": "DRAM", "cache_bytes": None, "buffer_bytes": 64 << 20, "gb_per_s": 10.0}]}
    return result

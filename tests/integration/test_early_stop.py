"""Early stop on the real engine: the early-stop variants' images export with --early-stop,
their containers record it, and they predict exactly what their full-decode parents predict
(test_runtimes.py holds those parents to the references)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tfopt.measure.validate import validate_profile
from tfopt.plan.load import load_plan
from tfopt.records import documents

ROOT = Path(__file__).resolve().parents[2]
PLAN = load_plan(ROOT / "variants.yaml")
EARLY = ["ort-early-stop", "numpy-early-stop"]
SHORT = ["--rounds", "1", "--repeats", "1", "--warmups", "0", "--max-words", "3"]


@pytest.fixture(scope="module")
def docs(engine, tmp_path_factory):
    results_dir = tmp_path_factory.mktemp("results")
    names = [a for n in EARLY for a in ("--variant", PLAN.variants[n].parent, "--variant", n)]
    done = subprocess.run([sys.executable, "-m", "invoke", "profile", *names, *SHORT,
                           "--results", str(results_dir)], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-8000:], done.stderr[-3000:])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {n: r.to_doc() for n, r in documents.latest_by_variant(results_dir).items()}


@pytest.mark.parametrize("name", EARLY)
def test_early_stop_is_built_recorded_and_exact(docs, name):
    parent = PLAN.variants[name].parent
    doc, profile = docs[name], docs[name]["visits"][0]["profile"]
    validate_profile(profile)
    assert profile["model"]["early_stop"] is True and profile["model"]["metadata"]["early_stop"] is True
    assert docs[parent]["visits"][0]["profile"]["model"]["early_stop"] is False
    assert doc["image"]["labels"]["tfopt.early_stop"] == "true"
    assert doc["image"]["id"] != docs[parent]["image"]["id"]
    assert doc["variant"]["changes"] == {"early_stop": [False, True]}
    assert profile["predictions"]["digest"] == docs[parent]["visits"][0]["profile"]["predictions"]["digest"]

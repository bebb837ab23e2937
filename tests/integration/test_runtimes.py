"""Every runtime and decoding on the real engine: images with a converter stage, one short
interleaved run beside the references, and the same predictions as the reference."""

import subprocess
import sys
from pathlib import Path

import pytest

from tfopt import paths
from tfopt.records import documents, store
from tfopt.plan.load import load_plan
from tfopt.measure.validate import validate_profile

ROOT = Path(__file__).resolve().parents[2]
PLAN = load_plan(ROOT / "variants.yaml")
NEW = ["tf2-loop", "tf2-incremental", "ort-rerun", "ort-incremental", "openvino-incremental",
       "openvino-default-precision", "numpy-incremental", "numba-incremental", "jax-incremental", "tf1-incremental"]
REFERENCES = ["tf2-stock", "tf1-stock"]
SHORT = ["--rounds", "1", "--repeats", "1", "--warmups", "0", "--max-words", "3"]


def invoke(*args) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-8000:], done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def run(engine, tmp_path_factory):
    results_dir = tmp_path_factory.mktemp("results")
    names = [a for n in REFERENCES + NEW for a in ("--variant", n)]
    done = invoke("profile", *names, *SHORT, "--results", str(results_dir))
    return done, {n: r.to_doc() for n, r in documents.latest_by_variant(results_dir).items()}, results_dir


def _profile(docs, name):
    return docs[name]["visits"][0]["profile"]


def test_every_new_variant_was_built_and_measured(run):
    done, docs, _ = run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert set(NEW) <= set(docs)
    for name in NEW:
        validate_profile(_profile(docs, name))
        assert [c["words"] for c in _profile(docs, name)["cases"]] == [1, 2, 3]


@pytest.mark.parametrize("name", [n for n in NEW if n != "openvino-default-precision"])
def test_predictions_equal_the_references(run, name):
    docs = run[1]
    reference = PLAN.variants[name].reference
    assert _profile(docs, name)["predictions"]["digest"] == _profile(docs, reference)["predictions"]["digest"]


@pytest.mark.parametrize("name", NEW)
def test_runtime_decoding_and_knobs_are_recorded(run, name):
    docs, variant = run[1], PLAN.variants[name]
    doc, profile = docs[name], _profile(docs, name)
    assert (doc["variant"]["runtime"], doc["variant"]["decoding"]) == (variant.runtime, variant.decoding)
    assert (profile["model"]["runtime"], profile["model"]["decoding"]) == (variant.runtime, variant.decoding)
    assert doc["variant"]["knobs"] == variant.knobs
    assert {k: profile["settings"][k] for k in variant.knobs} == variant.knobs
    labels = doc["image"]["labels"]
    assert (labels["tfopt.runtime"], labels["tfopt.decoding"]) == (variant.runtime, variant.decoding)
    assert profile["macs"]["per_case"]["3"] > 0 and profile["microbench"]["gmacs_per_s"] > 0


def test_converted_images_hold_no_tensorflow_and_are_smaller(run):
    docs = run[1]
    tf_size = docs["tf2-incremental"]["image"]["size_bytes"]
    for name in ("ort-incremental", "openvino-incremental", "numpy-incremental", "numba-incremental",
                 "jax-incremental"):
        assert _profile(docs, name).get("tensorflow") is None, name
        assert docs[name]["image"]["size_bytes"] < tf_size, name
    assert _profile(docs, "tf2-incremental")["tensorflow"]["version"] == "2.21.0"


def test_a_compiled_runtimes_image_says_its_target_cpu(run):
    docs = run[1]
    assert docs["numba-incremental"]["image"]["labels"]["tfopt.compiled_for"] == "x86-64-v3"
    assert docs["jax-incremental"]["image"]["labels"]["tfopt.compiled_for"] == "host"
    assert docs["ort-incremental"]["image"]["labels"]["tfopt.compiled_for"] == ""


def _own_layers(engine, doc):
    image = engine.client.images.get(doc["image"]["id"])
    base = engine.client.images.get(doc["image"]["labels"]["tfopt.base"])
    return set(image.attrs["RootFS"]["Layers"]) - set(base.attrs["RootFS"]["Layers"])


def test_images_of_one_stack_share_their_install_layers(run, engine):
    docs = run[1]
    # two TensorFlow decodings: one venv (the converter's first install, reused as the final venv)
    assert _own_layers(engine, docs["tf2-loop"]) & _own_layers(engine, docs["tf2-incremental"])
    # a converted image's converter stage starts from that same TensorFlow install: Docker's cache
    log = paths.logs_dir() / f"image-{docs['ort-incremental']['image']['labels']['tfopt.inputs']}.log"
    lines = log.read_text().splitlines()
    install = next(i for i, line in enumerate(lines) if line.startswith("Step ") and "-m venv" in line)
    assert "Using cache" in " ".join(lines[install + 1:install + 3])


def test_report_shows_the_distance_to_the_limit(run):
    done = invoke("report", "--results", str(run[2]))
    assert done.returncode == 0
    text = (store.run_dir(run[2], store.list_run_ids(run[2])[-1]) / "report.md").read_text()
    section = text[text.index("## Distance to the limit"):]
    for name in NEW:
        assert f"| {name} |" in section, name
    assert "Smallest image:" in text and "Lowest peak RSS:" in text

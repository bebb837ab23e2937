"""A wheel that build-tf made goes through `invoke profile` like any other wheel:
into the wheelhouse lock, into a variant image, and that variant runs."""

import subprocess
import sys
from pathlib import Path

from tfopt.records import documents
from tfopt.plan.load import load_plan
from tfopt.engine.client import ContainerSpec

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ROOT / "tests" / "fixtures" / "variants-fixture.yaml"


def test_built_fixture_wheel_installs_into_a_variant_image_that_runs(engine, tmp_path):
    from tfopt.source_build.build import build_tf, built_wheel

    plan = load_plan(VARIANTS)
    build_tf(plan, "fixture-haswell")
    entry = built_wheel(plan.variants["fixture-in-image"], plan)
    assert entry is not None, "a child variant with the same recipe shares the built wheel"

    done = subprocess.run(
        [sys.executable, "-m", "invoke", "profile", "--file", str(VARIANTS), "--variant", "fixture-in-image",
         "--rounds", "1", "--repeats", "1", "--warmups", "0", "--max-words", "2", "--results", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-4000:], done.stderr[-2000:])
    assert done.returncode == 0

    doc = documents.latest_by_variant(tmp_path)["fixture-in-image"].to_doc()
    assert doc["image"]["labels"]["tfopt.tf_wheel_sha256"] == entry.sha256
    assert doc["visits"][0]["profile"]["cases"][0]["samples_ns"]

    outcome = engine.run(ContainerSpec(
        image=doc["image"]["tag"], labels={"tfopt.kind": "check"},
        command=["python", "-c", "import tfopt_isa_fixture as f; print(f.checksum())"]).locked_down())
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.strip().startswith("(")

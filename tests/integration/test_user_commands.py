"""The user's commands as typed, on the real engine with real images and TensorFlow:
`invoke profile --all` beside a source-build variant that is not built (skipped with a
note, no crash), with `--aa` arms in the same rounds."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

from second_engine import profile_containers
from tfopt.records import documents, store

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-6000:], done.stderr[-3000:])
    return done


def test_profile_all_skips_unbuilt_source_variants_and_runs_aa_arms_beside_the_others(engine, tmp_path):
    shipped = yaml.safe_load((ROOT / "variants.yaml").read_text())["variants"]
    source_build = {k: v for k, v in shipped["tf1-avx2"].items() if k != "extends"}
    source_build.update({k: shipped["tf1-stock"][k] for k in ("family", "python", "requirements", "form")})
    plan = {"aliases": {"avx2": "tf1-avx2"},
            "variants": {"tf2-stock": shipped["tf2-stock"], "tf2-1thread": shipped["tf2-1thread"],
                         "tf1-avx2": source_build}}
    path = tmp_path / "variants.yaml"
    path.write_text(yaml.safe_dump(plan))
    results_dir = tmp_path / "results"

    done = invoke("profile", "--all", "--aa", "tf2-stock", "--file", str(path), "--rounds", "1",
                  "--repeats", "1", "--warmups", "0", "--max-words", "2", "--results", str(results_dir))

    assert done.returncode == 0, done.stderr[-3000:]
    assert ("skipping tf1-avx2: its TensorFlow is built from source and is not built yet; "
            "build it with: invoke build-tf --variant tf1-avx2") in done.stdout
    run_id = store.list_run_ids(results_dir)[-1]
    meta = json.loads((store.run_dir(results_dir, run_id) / "run.json").read_text())
    assert meta["status"] == "complete" and meta["reason"] is None
    assert [sorted(o) for o in meta["orders"]] == [["tf2-1thread", "tf2-stock", "tf2-stock@A", "tf2-stock@B"]]
    docs = documents.load_results(results_dir, run_id)
    assert docs["tf2-stock@A"].image_id == docs["tf2-stock"].image_id
    assert [c for c in profile_containers(engine.client) if c.labels.get("tfopt.run") == run_id] == []

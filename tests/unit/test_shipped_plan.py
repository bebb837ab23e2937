"""The one unit test of the shipped plans: variants.yaml and examples/grids.yaml load and hold
the variants the README and the committed results name. Every other unit test writes its own
plan (plans.py, tests/fixtures/variants-unit.yaml), so a change to the shipped file breaks
this test only."""

import re

from tfopt import paths
from tfopt.measure.pipeline import DEFAULT_VARIANTS
from tfopt.plan.load import load_plan

ROOT = paths.PROJECT_ROOT


def test_the_shipped_plans_load_and_hold_what_the_readme_promises(tmp_path):
    shipped_text = (ROOT / "variants.yaml").read_text()
    plan = load_plan(ROOT / "variants.yaml")
    v = plan.variants

    # what the README and results/ tell the reader to profile, and the 2019 write-up's variants
    readme = (ROOT / "README.md").read_text()
    figures = {m.group(1) for m in re.finditer(r"<!-- fig ([a-z0-9][a-z0-9_-]*)\.(?:ms|vs|bound)-", readme)}
    reference_run = re.findall(r"--variant (\S+)", (ROOT / "results" / "reference-variants.txt").read_text())
    written_2019 = {"tf1-stock", "tf1-mkl", "tf1-mkl-1thread", "tf1-mkl-1thread-omp", "tf1-savedmodel",
                    "tf1-frozen", "tf1-optimized", "tf1-avx2", "tf1-avx2-mkl"}
    tf2 = {"tf2-stock", "tf2-1thread", "tf2-onednn-off", "tf2-tcmalloc", "tf2-jemalloc", "tf2-frozen",
           "tf2-optimized", "tf2-grappler-off", "tf2-xla"}
    promised = figures | set(reference_run) | set(DEFAULT_VARIANTS) | written_2019 | tf2
    assert figures and reference_run
    assert promised <= set(v), sorted(promised - set(v))

    # the 2019 reproduction's settings
    omp = v["tf1-mkl-1thread-omp"]
    assert (omp.knobs["threads.intra_op"], omp.knobs["threads.inter_op"]) == (1, 1) and omp.env == {"OMP_NUM_THREADS": "1"}
    assert omp.tensorflow.requirement == "intel-tensorflow==1.13.2"
    assert omp.requirements == ["numpy<1.17", "protobuf<=3.20"]
    assert omp.reference == "tf1-stock" and omp.family == "tf1.13"
    assert v["tf1-optimized"].form == "optimized"
    assert v["tf1-avx2-mkl"].tensorflow.build["configs"] == ["opt", "mkl", "noaws", "nohdfs", "nokafka", "noignite"]
    # `invoke build-tf --variant avx2` (README) is the AVX2 source build
    assert plan.aliases["avx2"] == "tf1-avx2" and v["tf1-avx2"].tensorflow.kind == "source"

    # the runtimes and decodings the README's results table compares
    axes = {"tf2-loop": ("tensorflow", "loop"), "tf2-incremental": ("tensorflow", "incremental"),
            "ort-rerun": ("onnxruntime", "rerun"), "ort-incremental": ("onnxruntime", "incremental"),
            "openvino-incremental": ("openvino", "incremental"),
            "openvino-default-precision": ("openvino", "incremental"),
            "numpy-incremental": ("numpy", "incremental"), "tf1-incremental": ("tensorflow", "incremental")}
    for name, (runtime, decoding) in axes.items():
        assert (v[name].runtime, v[name].decoding) == (runtime, decoding), name
        assert v[name].reference == ("tf1-stock" if name.startswith("tf1") else "tf2-stock"), name
    assert v["openvino-incremental"].knobs["openvino.precision"] == "f32"
    assert v["openvino-default-precision"].may_change_predictions  # the README's "silent default"

    # the matrix example in variants.yaml's header works when uncommented ...
    start, end = shipped_text.index("#   matrix:"), shipped_text.index("# adds tf2-alloc")
    example = "\n".join(line[4:] for line in shipped_text[start:end].splitlines())
    (tmp_path / "variants.yaml").write_text(shipped_text + "\n" + example + "\n")
    with_grid = load_plan(tmp_path / "variants.yaml")
    grid = with_grid.select(["tf2-alloc"])
    assert [g.name for g in grid][::5] == ["tf2-alloc-system-0", "tf2-alloc-jemalloc-1"] and len(grid) == 6
    assert {g.build_key() for g in grid} == {v["tf2-1thread"].build_key()}
    assert len(v) == len(with_grid.variants) - 6

    # ... and examples/grids.yaml holds it ready to run, on the image variants.yaml builds for tf2-1thread
    examples = load_plan(ROOT / "examples" / "grids.yaml")
    assert list(examples.variants) == [f"tf2-alloc-{a}-{o}" for a in ("system", "tcmalloc", "jemalloc") for o in "01"]
    stock = v["tf2-1thread"]
    for g in examples.variants.values():
        assert g.build_key() == stock.build_key()
        assert g.knobs == stock.knobs and g.family == stock.family and g.reference == "tf2-alloc-system-1"
    assert examples.variants["tf2-alloc-jemalloc-0"].run_environment() == {
        "TF_ENABLE_ONEDNN_OPTS": "0", "LD_PRELOAD": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"}

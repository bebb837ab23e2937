import subprocess
import sys
from pathlib import Path

import pytest

from plans import write
from tfopt.plan.load import load_plan
from tfopt.errors import ConfigError, MatrixTooLarge
from tfopt.plan.matrix import LIMIT, name_part

ROOT = Path(__file__).resolve().parents[2]

BASE = """
variants:
  base:
    description: root
    family: fam
    python: "3.11"
    tensorflow: {pypi: tensorflow-cpu==2.21.0}
    threads: {inter_op: 2}
"""

ISSUE_EXAMPLE = BASE + """
matrix:
  grid:
    extends: base
    axes:
      allocator: [system, tcmalloc, jemalloc]
      env.TF_ENABLE_ONEDNN_OPTS: ["0", "1"]
"""


def error_of(tmp_path, text, kind=ConfigError) -> str:
    with pytest.raises(kind) as info:
        load_plan(write(tmp_path, text))
    return str(info.value)


def grid_of(axes: str, extra: str = "") -> str:
    """BASE plus one grid `g` extending base, with the given axes lines (at 6 spaces)."""
    return BASE + "matrix:\n  g:\n    extends: base\n" + extra + "    axes:\n" + axes


def test_issue_example_lists_six_variants_named_in_axis_order(tmp_path):
    plan = load_plan(write(tmp_path, ISSUE_EXAMPLE))
    expanded = [name for name, v in plan.variants.items() if v.matrix == "grid"]
    assert expanded == ["grid-system-0", "grid-system-1", "grid-tcmalloc-0", "grid-tcmalloc-1",
                        "grid-jemalloc-0", "grid-jemalloc-1"]
    v = plan.variants["grid-tcmalloc-0"]
    assert v.allocator == "tcmalloc" and v.env == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    assert v.run_environment()["LD_PRELOAD"].endswith("libtcmalloc_minimal.so.4")
    assert v.parent == "base" and v.reference == "base" and v.family == "fam"
    assert (v.knobs["threads.intra_op"], v.knobs["threads.inter_op"]) == (0, 2)
    assert v.description == "allocator=tcmalloc, env.TF_ENABLE_ONEDNN_OPTS=0"
    assert plan.variants["grid-jemalloc-1"].env == {"TF_ENABLE_ONEDNN_OPTS": "1"}
    assert plan.variants["base"].matrix is None


def test_grid_over_run_keys_builds_one_image_and_over_build_keys_several(tmp_path):
    plan = load_plan(write(tmp_path, ISSUE_EXAMPLE))
    grid = plan.select(["grid"])
    assert len(grid) == 6
    assert {v.build_key() for v in grid} == {plan.variants["base"].build_key()}
    forms = load_plan(write(tmp_path, grid_of("      form: [checkpoint, frozen]\n      xla: [true, false]\n")))
    assert sorted(n for n in forms.variants if n.startswith("g-")) == ["g-checkpoint-off", "g-checkpoint-on",
                                                                       "g-frozen-off", "g-frozen-on"]
    assert len({v.build_key() for v in forms.select(["g"])}) == 2


def test_dotted_axis_merges_into_the_inherited_mapping(tmp_path):
    plan = load_plan(write(tmp_path, grid_of("      threads.intra_op: [1, 2]\n",
                                             extra="    description: intra sweep\n")))
    v = plan.variants["g-2"]
    assert (v.knobs["threads.intra_op"], v.knobs["threads.inter_op"]) == (2, 2)
    assert v.description == "intra sweep: threads.intra_op=2"


def test_grid_over_a_source_build_part_varies_the_image(tmp_path):
    text = grid_of("      tensorflow.source.copts: [\"-O2\", \"-march=haswell -O3\"]\n",
                   extra="    tensorflow: {source: {version: 2.21.0}}\n")
    plan = load_plan(write(tmp_path, text))
    a, b = plan.variants["g-o2"], plan.variants["g-march-haswell-o3"]
    assert b.tensorflow.build["copts"] == "-march=haswell -O3" and b.tensorflow.build["version"] == "2.21.0"
    assert a.build_key() != b.build_key()


def test_tensorflow_axis_needs_the_grid_own_source(tmp_path):
    message = error_of(tmp_path, grid_of("      tensorflow.source.copts: [\"-O2\"]\n"))
    assert "variants.yaml:13" in message and "never merges" in message


def test_unknown_axis_names_file_line_and_suggests(tmp_path):
    message = error_of(tmp_path, grid_of("      allocator: [system]\n      threds.intra_op: [1, 2]\n"))
    assert "variants.yaml:14" in message
    assert "matrix 'g'" in message and "'threds.intra_op'" in message and "did you mean 'threads'?" in message


def test_unknown_dotted_sub_key_suggests_and_points_at_the_axis(tmp_path):
    message = error_of(tmp_path, grid_of("      allocator: [system]\n      threads.intra: [1, 2]\n"))
    assert message.startswith(f"{tmp_path / 'variants.yaml'}:14:")
    assert "(from matrix 'g')" in message and "did you mean 'intra_op'?" in message


def test_a_bad_value_is_validated_like_a_hand_written_one(tmp_path):
    message = error_of(tmp_path, grid_of("      form: [checkpoint]\n      allocator: [system, tcmaloc]\n"))
    assert "variants.yaml:14" in message and "variant 'g-checkpoint-tcmaloc' (from matrix 'g')" in message
    assert "did you mean 'tcmalloc'?" in message
    message = error_of(tmp_path, grid_of("      env.OMP_NUM_THREADS: [[1]]\n"))
    assert "variants.yaml:13" in message and "environment values are strings" in message


def test_errors_in_the_grid_own_keys_point_at_them(tmp_path):
    message = error_of(tmp_path, grid_of("      allocator: [system]\n", extra="    form: frozn\n"))
    assert "variants.yaml:12" in message and "did you mean 'frozen'?" in message
    message = error_of(tmp_path, BASE + "matrix:\n  g:\n    axes: {allocator: [system]}\n")
    assert "variants.yaml:10" in message and "no Python version" in message


def test_unknown_grid_key_suggests_axes(tmp_path):
    message = error_of(tmp_path, BASE + "matrix:\n  g:\n    extends: base\n    axis: {allocator: [system]}\n")
    assert "variants.yaml:12" in message and "did you mean 'axes'?" in message


def test_axis_shapes_are_checked(tmp_path):
    assert "non-empty list" in error_of(tmp_path, grid_of("      allocator: []\n"))
    assert "non-empty list" in error_of(tmp_path, grid_of("      allocator: system\n"))
    assert "is not a mapping" in error_of(tmp_path, grid_of("      allocator.x: [a]\n"))
    assert "overlap" in error_of(tmp_path, grid_of("      threads: [{intra_op: 1}]\n      threads.inter_op: [1]\n"))
    assert "both set in the grid and an axis" in error_of(
        tmp_path, grid_of("      allocator: [system]\n", extra="    allocator: tcmalloc\n"))
    assert "needs `axes:`" in error_of(tmp_path, BASE + "matrix:\n  g:\n    extends: base\n")


def test_duplicate_names_are_refused_against_hand_written_variants(tmp_path):
    text = ISSUE_EXAMPLE.replace("matrix:", "  grid-tcmalloc-1:\n    extends: base\nmatrix:")
    message = error_of(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'variants.yaml'}:13:")  # the grid
    assert "'grid-tcmalloc-1'" in message and "variants.yaml:10" in message  # the hand-written one


def test_duplicate_names_are_refused_across_grids_and_within_one(tmp_path):
    text = ISSUE_EXAMPLE + "  grid-system:\n    extends: base\n    axes: {form: [\"0\"]}\n"
    assert "already defined by matrix 'grid'" in error_of(tmp_path, text)
    message = error_of(tmp_path, grid_of("      env.X: [\"a b\", \"A_B\"]\n"))
    assert "variants.yaml:13" in message and "values 'a b' and 'A_B' of axis 'env.X' both become 'a-b'" in message
    message = error_of(tmp_path, grid_of("      env.X: [\"a-b\", \"a\"]\n      env.Y: [\"c\", \"b-c\"]\n"))
    assert "variants.yaml:12" in message and "two combinations are both named 'g-a-b-c'" in message
    text = BASE + "matrix:\n  base:\n    extends: base\n    axes: {allocator: [system]}\n"
    assert "has the name of a variant" in error_of(tmp_path, text)


def test_a_grid_past_the_limit_asks_for_yes(tmp_path):
    values = ", ".join(f'"{n}"' for n in range(15))
    text = grid_of(f"      env.A: [{values}]\n      env.B: [{values}]\n")
    assert 15 * 15 > LIMIT
    message = error_of(tmp_path, text, kind=MatrixTooLarge)
    assert "variants.yaml:10" in message and "225 variants" in message and "--yes" in message
    assert MatrixTooLarge.exit_code == ConfigError.exit_code == 2
    plan = load_plan(tmp_path / "variants.yaml", yes=True)
    assert len(plan.select(["g"])) == 225 and plan.variants["g-14-3"].env == {"A": "14", "B": "3"}


def test_name_part_rules():
    assert name_part(True) == "on" and name_part(False) == "off" and name_part(None) == "none"
    assert name_part("") == "empty" and name_part("!!") == "x"
    assert name_part("tensorflow-cpu==2.21.0") == "tensorflow-cpu-2.21.0"
    assert name_part("-march=haswell -O3") == "march-haswell-o3"
    assert name_part("Foo_Bar") == "foo-bar" and name_part(0.5) == "0.5"
    assert name_part({"intra_op": 1, "inter_op": 2}) == "1-2" and name_part(["opt", "mkl"]) == "opt-mkl"


def test_invoke_variants_lists_the_grid_and_yes_reaches_the_plan(tmp_path):
    path = write(tmp_path, ISSUE_EXAMPLE)
    invoke = [sys.executable, "-m", "invoke", "--search-root", str(ROOT), "variants", "--file", str(path)]
    listed = subprocess.run(invoke, capture_output=True, text=True, check=True).stdout
    assert listed.count("from matrix grid") == 6 and "grid-jemalloc-1  [fam]" in listed
    values = ", ".join(f'"{n}"' for n in range(15))
    write(tmp_path, grid_of(f"      env.A: [{values}]\n      env.B: [{values}]\n"))
    refused = subprocess.run(invoke, capture_output=True, text=True)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    accepted = subprocess.run(invoke + ["--yes"], capture_output=True, text=True, check=True).stdout
    assert accepted.count("from matrix g") == 225

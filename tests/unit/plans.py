"""Plans the unit tests write for themselves, so that no unit test depends on the shipped
variants.yaml (test_shipped_plan.py is the one test of that file)."""

import textwrap
from pathlib import Path

import pytest

from tfopt.errors import ConfigError
from tfopt.plan.load import load_plan

UNIT_VARIANTS = Path(__file__).resolve().parents[1] / "fixtures" / "variants-unit.yaml"

# one variant: the smallest valid file, for the loader's error messages (a line number in a
# message counts from this text's first line)
BASE = """
variants:
  a:
    description: root
    family: fam
    python: "3.11"
    tensorflow: {pypi: tensorflow-cpu==2.21.0}
"""

# a reference and two run-setting variants on its image, for the round loop
REF_FAST_OTHER = """
variants:
  ref:
    python: "3.11"
    tensorflow: {pypi: tensorflow-cpu==2.21.0}
  fast:
    extends: ref
    threads: {intra_op: 1, inter_op: 1}
  other:
    extends: ref
    grappler: false
"""
REF_FAST_OTHER_SCALES = {"ref": 1.0, "fast": 0.5, "other": 0.8}

# a reference and a three-allocator grid, for races
ALLOCATOR_GRID = """
variants:
  ref:
    python: "3.11"
    tensorflow: {pypi: tensorflow-cpu==2.21.0}
matrix:
  g:
    extends: ref
    axes:
      allocator: [system, tcmalloc, jemalloc]
"""
ALLOCATOR_GRID_SCALES = {"ref": 1.0, "g-system": 0.53, "g-tcmalloc": 0.5, "g-jemalloc": 1.3}  # g-tcmalloc wins


def write(tmp_path, text) -> Path:
    path = tmp_path / "variants.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def plan_of(tmp_path, text):
    return load_plan(write(tmp_path, text))


def error_of(tmp_path, text) -> str:
    with pytest.raises(ConfigError) as info:
        load_plan(write(tmp_path, text))
    return str(info.value)


def unit_plan():
    """tests/fixtures/variants-unit.yaml: variants of every runtime, form and knob kind."""
    return load_plan(UNIT_VARIANTS)

"""Variant aliases and PEP 508 requirements, checked when variants.yaml is loaded."""

import subprocess
import sys

import pytest

from plans import BASE, UNIT_VARIANTS, error_of, unit_plan, write
from tfopt import paths
from tfopt.plan.load import load_plan
from tfopt.errors import ConfigError


def test_the_users_avx2_resolves_to_the_avx2_source_build():
    plan = unit_plan()
    assert plan.aliases["avx2"] == "tf1-avx2"
    assert [v.name for v in plan.select(["avx2", "tf2-stock"])] == ["tf1-avx2", "tf2-stock"]
    assert plan.variants["tf1-avx2"].tensorflow.kind == "source"


def test_build_tf_accepts_the_alias_as_typed():
    done = subprocess.run([sys.executable, "-m", "invoke", "build-tf", "--variant", "avx2", "--dry-run",
                           "--file", str(UNIT_VARIANTS)], cwd=paths.PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "build-tf tf1-avx2" in done.stdout and "no variant" not in done.stdout + done.stderr


def test_invoke_variants_lists_aliases():
    done = subprocess.run([sys.executable, "-m", "invoke", "variants", "--file", str(UNIT_VARIANTS)],
                          cwd=paths.PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0
    assert "avx2 → tf1-avx2" in done.stdout.split("== aliases", 1)[1]


def test_unknown_name_suggests_aliases_too(tmp_path):
    plan = load_plan(write(tmp_path, BASE + "aliases: {short: a}\n"))
    assert plan.select(["short"])[0].name == "a"
    with pytest.raises(ConfigError, match="did you mean 'short'"):
        plan.select(["shrt"])


@pytest.mark.parametrize("aliases,message", [
    ("aliases: {a: a}", "alias 'a' is also a variant's name"),
    ("aliases: {x: nope}", "alias 'x' points to 'nope', which is not a variant"),
    ("aliases: {x: b}", "alias 'x' points to 'b'"),
    ("aliases: {Bad Name: a}", "use lowercase letters"),
    ("aliases: [a]", "aliases is a mapping"),
])
def test_bad_aliases_are_refused_with_file_and_line(tmp_path, aliases, message):
    text = error_of(tmp_path, BASE + aliases + "\n")
    assert message in text
    assert "variants.yaml:" in text


def test_a_shell_command_in_a_requirement_is_refused_at_its_line(tmp_path):
    text = error_of(tmp_path, """
        variants:
          a:
            python: "3.11"
            tensorflow: {pypi: "tensorflow-cpu==2.21.0; rm -rf build"}
        """)
    assert "variants.yaml:5" in text and "key 'tensorflow.pypi'" in text
    assert "'tensorflow-cpu==2.21.0; rm -rf build' is not a valid PEP 508 requirement" in text


@pytest.mark.parametrize("bad", ["numpy<<1", "numpy; rm -rf /", "num py", "numpy==1.0 --hash=x"])
def test_bad_extra_requirements_are_refused(tmp_path, bad):
    text = error_of(tmp_path, BASE + f"    requirements: [{bad!r}]\n")
    assert "not a valid PEP 508 requirement" in text and "key 'requirements'" in text
    assert "variants.yaml:8" in text


def test_good_requirements_and_local_wheels_pass(tmp_path):
    good = ["numpy<1.17", "protobuf<=3.20", "tensorflow-cpu==2.21.0; python_version >= '3.9'",
            "foo[bar]>=1,<2", "/wheels/x-1.0-py3-none-any.whl"]
    plan = load_plan(write(tmp_path, BASE + f"    requirements: {good!r}\n"))
    assert plan.variants["a"].requirements == good

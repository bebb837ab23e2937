import pytest

from plans import BASE, error_of, unit_plan, write
from tfopt.plan.limits import parse_memory
from tfopt.plan.load import load_plan


def test_extends_chains_resolve_every_setting():
    plan = unit_plan()
    omp = plan.variants["tf1-mkl-1thread-omp"]
    assert (omp.knobs["threads.intra_op"], omp.knobs["threads.inter_op"]) == (1, 1)
    assert omp.env == {"OMP_NUM_THREADS": "1"}
    assert omp.tensorflow.requirement == "intel-tensorflow==1.13.2"
    assert omp.requirements == ["numpy<1.17", "protobuf<=3.20"]
    assert omp.reference == "tf1-stock" and omp.family == "tf1.13"
    assert plan.variants["tf1-optimized"].form == "optimized"
    assert plan.variants["tf2-jemalloc"].run_environment()["LD_PRELOAD"].endswith("libjemalloc.so.2")
    assert plan.variants["tf1-avx2-mkl"].tensorflow.build["configs"] == ["opt", "mkl", "noaws", "nohdfs", "nokafka", "noignite"]


def test_run_settings_share_an_image_build_settings_do_not():
    v = unit_plan().variants
    assert v["tf1-mkl"].build_key() == v["tf1-mkl-1thread"].build_key() == v["tf1-mkl-1thread-omp"].build_key()
    assert v["tf2-stock"].build_key() == v["tf2-xla"].build_key() == v["tf2-jemalloc"].build_key()
    assert v["tf2-stock"].build_key() != v["tf2-frozen"].build_key()
    assert v["tf1-stock"].build_key() != v["tf1-mkl"].build_key()


def test_unknown_key_names_file_line_variant_and_suggests(tmp_path):
    message = error_of(tmp_path, BASE + "    therads: {intra_op: 1}\n")
    assert "variants.yaml:8" in message
    assert "variant 'a'" in message
    assert "did you mean 'threads'?" in message


def test_unknown_nested_key_suggests(tmp_path):
    message = error_of(tmp_path, BASE + "    threads: {intra: 1}\n")
    assert "did you mean 'intra_op'?" in message


def test_cycle_is_refused(tmp_path):
    message = error_of(tmp_path, BASE + """
  b:
    extends: c
  c:
    extends: b
""")
    assert "cycle" in message and "b → c → b" in message


def test_two_tensorflow_sources_are_refused(tmp_path):
    message = error_of(tmp_path, BASE.replace("{pypi: tensorflow-cpu==2.21.0}",
                                              "{pypi: tensorflow-cpu==2.21.0, wheel: x.whl, sha256: " + "a" * 64 + "}"))
    assert "exactly one source" in message and "variants.yaml:7" in message


def test_wheel_needs_sha256(tmp_path):
    message = error_of(tmp_path, BASE.replace("{pypi: tensorflow-cpu==2.21.0}", "{wheel: x.whl}"))
    assert "sha256" in message


def test_unknown_parent_suggests(tmp_path):
    message = error_of(tmp_path, BASE + "  b:\n    extends: aa\n")
    assert "did you mean 'a'?" in message


def test_bad_form_and_allocator(tmp_path):
    assert "did you mean 'frozen'?" in error_of(tmp_path, BASE + "    form: frozn\n")
    assert "did you mean 'jemalloc'?" in error_of(tmp_path, BASE + "    allocator: jemaloc\n")


def test_python_must_be_a_string(tmp_path):
    assert 'python: "3.7"' in error_of(tmp_path, BASE.replace('"3.11"', "3.7"))


def test_child_overrides_and_merges(tmp_path):
    plan = load_plan(write(tmp_path, BASE + """
  b:
    extends: a
    description: child
    threads: {intra_op: 1}
    env: {OMP_NUM_THREADS: 1}
    limits: {memory: 2g}
"""))
    b = plan.variants["b"]
    assert (b.knobs["threads.intra_op"], b.knobs["threads.inter_op"]) == (1, 0)
    assert b.env == {"OMP_NUM_THREADS": "1"}
    assert b.memory_bytes == 2 << 30 and b.cpus == 1
    assert b.parent == "a" and b.reference == "a" and b.family == "fam"
    assert b.changes_from(plan.variants["a"])["threads"][1] == {"intra_op": 1, "inter_op": 0}


def test_source_build_requires_opt(tmp_path):
    message = error_of(tmp_path, BASE + """
  b:
    extends: a
    tensorflow: {source: {version: 1.13.1, configs: [mkl]}}
""")
    assert "'opt'" in message


def test_parse_memory():
    assert parse_memory("4g") == 4 << 30
    assert parse_memory("512m") == 512 << 20
    assert parse_memory("1.5GiB") == int(1.5 * (1 << 30))
    with pytest.raises(ValueError):
        parse_memory("lots")

import os
import re

import pytest

from plans import unit_plan
from tfopt.build.images import ImageInputs, StageInstall, requirements_txt
from tfopt.plan.protocol import Protocol
from tfopt.measure.rounds import Arm, container_spec, profile_command
from tfopt.build.wheels import Lock


@pytest.fixture(scope="module")
def variants():
    return unit_plan().variants


def test_profiling_containers_are_locked_down_and_limited(variants):
    variant = variants["tf1-mkl-1thread-omp"]
    spec = container_spec(Arm(variant.name, variant, "img"), Protocol(), "run1")
    assert spec.nano_cpus == 1_000_000_000 and spec.mem_limit == 4 << 30
    assert spec.network_disabled and spec.read_only and spec.cap_drop == ["ALL"]
    assert spec.security_opt == ["no-new-privileges"] and spec.pids_limit
    assert spec.user and not spec.user.startswith("0")
    assert "/tmp" in spec.tmpfs
    assert spec.environment == {"OMP_NUM_THREADS": "1"}
    assert spec.labels == {"tfopt.kind": "profile", "tfopt.run": "run1", "tfopt.variant": variant.name,
                           "tfopt.round": "1", "tfopt.pid": str(os.getpid())}
    assert spec.cpuset_cpus is None


def test_containers_are_named_after_run_variant_and_round(variants):
    variant = variants["tf2-stock"]
    run_id = "20261125T010000Z-1a2b"
    spec = container_spec(Arm(variant.name, variant, "img"), Protocol(), run_id, round_index=2)
    assert spec.name == "tfopt-20261125T010000Z-1a2b-tf2-stock-r3"
    arm = container_spec(Arm("tf2-stock@B", variant, "img", arm_of="tf2-stock"), Protocol(), run_id, 0)
    assert arm.name == "tfopt-20261125T010000Z-1a2b-tf2-stock-B-r1"
    for name in (spec.name, arm.name):
        assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+", name)  # Docker's rule for names


def test_pin_applies_a_cpuset_on_top_of_the_quota(variants):
    variant = variants["tf2-stock"]
    spec = container_spec(Arm(variant.name, variant, "img"), Protocol(pin="0"), "run1")
    assert spec.cpuset_cpus == "0" and spec.nano_cpus == 1_000_000_000


def test_run_settings_reach_the_profiler(variants):
    command = profile_command(variants["tf2-xla"], Protocol(repeats=7, warmups=3))
    text = " ".join(command)
    assert "--threads-intra-op 1 --threads-inter-op 1" in text and "--xla on" in text and "--grappler on" in text
    assert "--repeats 7" in text and "--warmups 3" in text and "--form" not in text
    assert "--grappler off" in " ".join(profile_command(variants["tf2-grappler-off"], Protocol()))
    assert variants["tf2-tcmalloc"].run_environment()["LD_PRELOAD"].endswith("libtcmalloc_minimal.so.4")


def test_local_wheels_are_installed_by_file_name():
    assert requirements_txt(["/x/y/tensorflow-1.13.1-cp37-cp37m-linux_x86_64.whl", "numpy<1.17"]) == \
        b"/tmp/install/wheels/tensorflow-1.13.1-cp37-cp37m-linux_x86_64.whl\nnumpy<1.17\n"


def test_image_name_is_a_digest_of_its_inputs(tmp_path):
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "checkpoint").write_text("x")
    lock = Lock("k", "3.11", ["tf"], [{"file": "tf-1-py3-none-any.whl", "sha256": "a" * 64}], tmp_path / "l")

    def inputs(lock=lock, **change):
        install = StageInstall(["tf"], lock)
        fields = dict(base_tag="base:1", python="/usr/bin/python3", tensorflow=install, converter=None,
                      final=install, runtime="tensorflow", decoding="rerun", form="frozen",
                      weights_dir=weights, tf_sha256=None, extra_labels={})
        fields.update(change)
        return ImageInputs(**fields)

    assert inputs().tag == inputs().tag
    assert inputs().tag != inputs(form="optimized").tag
    assert inputs().tag != inputs(decoding="incremental").tag
    assert inputs().tag != inputs(base_tag="base:2").tag
    other = Lock("k", "3.11", ["tf"], [{"file": "tf-1-py3-none-any.whl", "sha256": "b" * 64}], tmp_path / "l")
    assert inputs().tag != inputs(lock=other).tag
    before = inputs().tag
    (weights / "checkpoint").write_text("y")
    assert inputs().tag != before

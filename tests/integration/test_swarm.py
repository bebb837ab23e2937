"""The Swarm backend on the real engine: a single-node swarm on loopback (a dockerd of the
test's own, `docker swarm init --advertise-addr 127.0.0.1`) and a real registry on a loopback
port. One module fixture holds both and the smallest real image (numpy-incremental), so the
tests share one image push; each test leaves no service behind, and the fixture leaves no
swarm, dockerd or registry.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from invoke import Context, Exit

from swarm_nodes import (SMALL_FLAGS, SMALL_VARIANTS, Dockerd, Registry, copy_image, free_port, init_swarm,
                         leave_swarm, missing_tools, profile_through, small_image, small_plan,
                         tfopt_services)
from tfopt.records import documents, store

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402


@pytest.fixture(scope="module")
def swarm(engine, tmp_path_factory):
    missing = missing_tools()
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and missing: {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"missing: {', '.join(missing)}")
    folder = tmp_path_factory.mktemp("swarm")
    plan = small_plan(folder)
    tag = small_image(engine, plan)
    root = Path(tempfile.mkdtemp(prefix="tfopt-swarm-", dir="/tmp"))
    manager = Dockerd(root / "manager")
    registry = Registry(root / "registry", f"127.0.0.1:{free_port()}")
    try:
        copy_image(engine, manager.start(), tag)
        registry.start()
        init_swarm(manager, "127.0.0.1")
        yield {"manager": manager, "registry": registry.addr, "plan": plan, "image": tag}
    finally:
        leave_swarm(manager)
        manager.stop()
        registry.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_a_profile_through_a_single_node_swarm_runs_locked_down_jobs_by_digest_and_gates(swarm, tmp_path, capsys):
    profile_through(swarm, tmp_path)
    out = capsys.readouterr().out
    print(out)
    run_id = store.list_run_ids(tmp_path)[-1]
    run = documents.load_run(tmp_path, run_id)
    assert run.status == "complete"
    docs = documents.load_results(tmp_path, run_id)
    assert set(docs) == set(SMALL_VARIANTS)
    node_id = swarm["manager"].docker("info", "--format", "{{.Swarm.NodeID}}")
    for doc in docs.values():
        facts = doc.engine_doc
        assert facts["backend"] == "swarm" and facts["node_id"] == node_id
        assert facts["cpu_model"] and facts["cpu_flags"] and facts["docker_version"]
        assert facts["images"][swarm["image"]].startswith(swarm["registry"] + "/tfopt/")
        assert "@sha256:" in facts["images"][swarm["image"]]
        assert any("no-new-privileges" in u for u in facts["unenforced"])
        profile = doc.visits[0].profile
        assert profile["cgroup"]["cpus"] == 1 and profile["cgroup"]["memory_limit_bytes"] == 4 << 30
    # the gate compared two real results of the same checkpoint: numpy-incremental-b is checked
    assert "predictions of numpy-incremental-b are unchecked" not in out
    assert docs["numpy-incremental-b"].visits[0].profile["predictions"] == \
        docs["numpy-incremental"].visits[0].profile["predictions"]
    assert tfopt_services(swarm["manager"]) == []


def test_a_job_sees_only_lo_runs_as_nobody_on_a_read_only_root(swarm):
    from tfopt.engine import fleet
    from tfopt.engine.types import ContainerSpec
    from tfopt.plan.engines import Target

    node = fleet.connect([Target("swarm", swarm["manager"].url, swarm=True)], swarm["registry"])[0].engine
    script = ("import os; print(sorted(os.listdir('/sys/class/net')), os.getuid(), "
              "open('/proc/self/status').read().split('CapEff:')[1].split()[0]);"
              "open('/tmp/x', 'w').write('ok');\n"
              "try: open('/x', 'w')\nexcept OSError as e: print('ro', e.errno)")
    outcome = node.run(ContainerSpec(image=swarm["image"], command=["python", "-c", script], labels={},
                                     name="tfopt-test-lockdown").locked_down())
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.split("\n")[0] == "['lo'] 65534 0000000000000000"
    assert "ro 30" in outcome.stdout  # EROFS
    assert tfopt_services(swarm["manager"]) == []


def _wait_until_running(manager, service, timeout_s=120, state="Running"):
    """Until a task of `service` is in `state` (Swarm's CurrentState: Running, Complete, ...)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = manager.docker("service", "ps", service, "--format", "{{.CurrentState}}").split("\n")
        if any(current.startswith(state) for current in states):
            return
        time.sleep(0.5)
    raise AssertionError(f"service {service} was not {state} within {timeout_s} s")


def _wait_until_gone(manager, service, timeout_s=60):
    """Until `service` has no task container left."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and manager.docker(
            "ps", "-aq", "--filter", f"label=com.docker.swarm.service.name={service}"):
        time.sleep(0.5)


def test_a_job_swarm_cannot_place_is_reported_with_swarms_reason(swarm, monkeypatch):
    """A job holding the node's CPUs (as another run's visit would) keeps the next one Pending."""
    from tfopt.engine import fleet, swarm as swarm_backend
    from tfopt.engine.types import ContainerSpec
    from tfopt.errors import Unschedulable
    from tfopt.plan.engines import Target

    manager = swarm["manager"]
    manager.docker("service", "create", "--detach", "--name", "tfopt-test-blocker", "--mode", "replicated-job",
                   "--restart-condition", "none", "--reserve-cpu", "2", swarm["image"],
                   "python", "-c", "import time; time.sleep(60)")
    try:
        _wait_until_running(manager, "tfopt-test-blocker")   # else the job below may be placed first
        monkeypatch.setattr(swarm_backend, "SCHEDULE_TIMEOUT_S", 4.0)
        node = fleet.connect([Target("swarm", manager.url, swarm=True)], swarm["registry"])[0].engine
        with pytest.raises(Unschedulable) as info:
            node.run(ContainerSpec(image=swarm["image"], command=["true"], labels={},
                                   name="tfopt-test-unplaceable").locked_down())
        assert "insufficient resources" in str(info.value) and "within 4 s" in str(info.value)
    finally:
        manager.docker("service", "rm", "tfopt-test-blocker", check=False)
        _wait_until_gone(manager, "tfopt-test-blocker")   # its running task would hold the image
    assert tfopt_services(manager) == []


def test_two_runs_submitted_at_once_never_overlap_on_the_node(swarm, tmp_path):
    env = {**os.environ, "DOCKER_HOST": swarm["manager"].url}
    command = [sys.executable, "-m", "invoke", "profile", "--file", str(swarm["plan"]), "--swarm",
               swarm["manager"].url, "--registry", swarm["registry"], "--variant", SMALL_VARIANTS[0],
               "--variant", SMALL_VARIANTS[1], *[f"--{k.replace('_', '-')}={v}" for k, v in SMALL_FLAGS.items()]]
    runs = [subprocess.Popen(command + ["--results", str(tmp_path / name)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for name in "ab"]
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], "\n".join(outputs)
    spans = []
    for name in "ab":
        folder = tmp_path / name
        for doc in documents.load_results(folder, store.list_run_ids(folder)[-1]).values():
            spans += [(v.profile["started_at"], v.profile["finished_at"], name) for v in doc.visits]
    spans.sort()
    assert len(spans) == 4
    for (_, end, _), (start, _, _) in zip(spans, spans[1:]):  # the profiler's own UTC stamps, one format
        assert end <= start, f"two visits' measurements overlapped on the node: {spans}"
    assert tfopt_services(swarm["manager"]) == []


def test_ctrl_c_removes_the_service_of_the_running_visit(swarm, tmp_path):
    env = {**os.environ, "DOCKER_HOST": swarm["manager"].url}
    command = [sys.executable, "-m", "invoke", "profile", "--file", str(swarm["plan"]), "--swarm",
               swarm["manager"].url, "--registry", swarm["registry"], "--variant", SMALL_VARIANTS[0],
               "--rounds=3", "--repeats=3", "--results", str(tmp_path)]
    run = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300
    while not tfopt_services(swarm["manager"], "tfopt.kind=profile") and time.monotonic() < deadline \
            and run.poll() is None:
        time.sleep(0.2)
    seen = tfopt_services(swarm["manager"], "tfopt.kind=profile")
    run.send_signal(signal.SIGINT)
    out = run.communicate(timeout=120)[0]
    assert seen, out
    assert run.returncode == 130, out
    assert tfopt_services(swarm["manager"]) == []
    assert documents.load_run(tmp_path, store.list_run_ids(tmp_path)[-1]).status == "interrupted"


def test_a_registry_that_does_not_answer_is_refused_before_any_work(swarm, tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    with pytest.raises(Exit) as info:
        profile_through({**swarm, "registry": dead}, tmp_path)
    assert info.value.code == 3
    assert f"no registry answers at {dead}" in str(info.value.message)
    assert store.list_run_ids(tmp_path) == []


def test_invoke_clean_removes_tfopt_services(swarm, monkeypatch):
    manager = swarm["manager"]
    manager.docker("service", "create", "--detach", "--name", "tfopt-test-left", "--label", "tfopt.managed=true",
                   "--mode", "replicated-job", "--restart-condition", "none", swarm["image"],
                   "python", "-c", "import time; time.sleep(60)")
    manager.docker("service", "create", "--detach", "--name", "not-tfopt", "--mode", "replicated-job",
                   "--restart-condition", "none", swarm["image"], "true")
    try:
        _wait_until_running(manager, "tfopt-test-left")
        _wait_until_running(manager, "not-tfopt", state="Complete")   # a running task would hold the image
        monkeypatch.setenv("DOCKER_HOST", manager.url)  # the test's own engine: clean removes its images too
        tasks.clean(Context(), wheelhouse=False)
        assert tfopt_services(manager) == []
        assert "not-tfopt" in manager.docker("service", "ls", "--format", "{{.Name}}").split()
    finally:
        manager.docker("service", "rm", "not-tfopt", "tfopt-test-left", check=False)

"""One run across two real Docker engines: the shared engine and a test-owned second dockerd
(second_engine.py). Real g2p images (NumPy and ONNX Runtime, converted from the real
checkpoint with TF 2.21) are built on the first engine and shipped to the second.

Both engines share this machine's CPUs, so their parts run side by side on the same cores:
these tests are about the mechanics (engines, shipping, records, the report, failures, the
lock), never about which engine is faster."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from invoke import Context, Exit

from second_engine import profile_containers
from tfopt.engine import fleet
from tfopt.records import documents, store
from tfopt.engine.client import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import tasks  # noqa: E402

VARIANTS = ["numpy-incremental", "ort-incremental"]


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    """The real variants.yaml, with ort-incremental measured against numpy-incremental, so that
    each engine has a speedup to show (the reference is not a build input: same images)."""
    data = yaml.safe_load((Path(tasks.ROOT) / "variants.yaml").read_text())
    data["variants"]["ort-incremental"]["reference"] = "numpy-incremental"
    path = tmp_path_factory.mktemp("plan") / "variants.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def profile(engine, second_engine, plan_file, tmp_path):
    results_dir = tmp_path / "results"

    def run(engines=None, **flags):
        flags = {"rounds": 2, "repeats": 1, "max_words": 3, **flags}
        engines = engines or ["local", f"second={second_engine.url}"]
        tasks.profile(Context(), variant=list(VARIANTS), file=str(plan_file), results=str(results_dir),
                      engine=engines, **flags)

    return run, results_dir


def _locks(url=None):
    import docker

    client = docker.DockerClient(base_url=url) if url else docker.from_env()
    return [c.name for c in client.containers.list(all=True, filters={"name": fleet.LOCK_NAME})]


def test_a_two_engine_run_measures_everything_on_both_and_records_each_engine(profile, second_engine, capsys):
    run, results_dir = profile
    run()
    out = capsys.readouterr().out
    run_id = [r for r in store.list_run_ids(results_dir) if "@" not in r][-1]
    meta = store.read_run_meta(store.run_dir(results_dir, run_id))
    assert meta["kind"] == "engines" and meta["status"] == "complete"
    assert [e["name"] for e in meta["engines"]] == ["local", "second"]
    local, second = meta["engines"]
    assert second["endpoint"] == second_engine.url and local["endpoint"].startswith("unix://")
    for facts in meta["engines"]:
        assert facts["host_name"] and facts["kernel"] and facts["architecture"]
        assert facts["cpu_model"] and "sse2" in facts["cpu_flags"] and facts["docker_version"]
        assert facts["ncpu"] >= 1 and facts["status"] == "complete"
    # the second engine got the first engine's very images (the content-hash tag checked after load)
    images = {d.image_tag for d in documents.load_results(results_dir, meta["parts"]["local"]).values()}
    there = Engine.connect(second_engine.url)
    here = Engine.connect()
    assert all(there.image_id(tag) == here.image_id(tag) for tag in images)
    assert "shipped from local" in out or "is there already" in out
    for name, part in meta["parts"].items():
        docs = documents.load_results(results_dir, part)
        assert {n: len(d.visits) for n, d in docs.items()} == {v: 2 for v in VARIANTS}
        endpoint = next(e["endpoint"] for e in meta["engines"] if e["name"] == name)
        assert all(d.engine.name == name and d.engine.endpoint == endpoint for d in docs.values())
        assert store.read_run_meta(store.run_dir(results_dir, part))["parent"] == run_id
    assert _locks() == [] and _locks(second_engine.url) == []  # both locks released
    tasks.engines(Context(), engine=["local", f"second={second_engine.url}"])
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in listed] == ["local", "second"]
    assert all(line.endswith("· free") for line in listed) and second_engine.url in listed[1]

    tasks.report(Context(), run=run_id, results=str(results_dir))
    report = (store.run_dir(results_dir, run_id) / "report.md").read_text()
    assert "local" in report and "second" in report and second_engine.url in report
    assert "ort-incremental" in report and "numpy-incremental" in report


@pytest.fixture
def ssh_to_second_engine(second_engine, tmp_path, monkeypatch):
    """An sshd of the test's own on 127.0.0.1 whose sessions see DOCKER_HOST = the second
    engine (authorized_keys environment=), and an `ssh` first on PATH that uses the test's
    key: `ssh://root@127.0.0.1:PORT` then reaches the second engine the way a remote
    machine's engine is reached. Needs root and openssh-server (.ci/run installs it)."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not os.path.exists(sshd) or os.geteuid() != 0:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but no sshd (apt-get install openssh-server) or not root")
        pytest.skip("needs root and sshd")
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)], check=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "authorized_keys").write_text(
        f'environment="DOCKER_HOST={second_engine.url}" ' + (tmp_path / "user.pub").read_text())
    (tmp_path / "sshd_config").write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {tmp_path / 'host'}",
        f"AuthorizedKeysFile {tmp_path / 'authorized_keys'}", "PasswordAuthentication no",
        "PermitRootLogin prohibit-password", "PermitUserEnvironment yes", "UsePAM no", "StrictModes no",
        f"PidFile {tmp_path / 'sshd.pid'}", ""]))
    (tmp_path / "ssh_config").write_text(f"Host *\n  IdentityFile {tmp_path / 'user'}\n  StrictHostKeyChecking no\n"
                                         "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n")
    wrapper = tmp_path / "bin" / "ssh"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\nexec {shutil.which('ssh')} -F {tmp_path / 'ssh_config'} \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:{os.environ['PATH']}")
    os.makedirs("/run/sshd", exist_ok=True)
    server = subprocess.Popen([sshd, "-D", "-f", str(tmp_path / "sshd_config"), "-E", str(tmp_path / "sshd.log")])
    try:
        deadline = time.monotonic() + 20
        while subprocess.run(["ssh", "-p", str(port), "root@127.0.0.1", "true"]).returncode != 0:
            assert time.monotonic() < deadline, (tmp_path / "sshd.log").read_text()
            time.sleep(0.3)
        yield f"ssh://root@127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def test_an_engine_reached_over_ssh_gets_its_images_through_ssh_and_runs_its_part(
        profile, second_engine, ssh_to_second_engine, capsys):
    import docker

    run, results_dir = profile
    there = docker.DockerClient(base_url=second_engine.url)
    tags = [t for i in there.images.list(filters={"label": "tfopt.managed=true"}) for t in i.tags
            if t.startswith("tfopt-g2p:")]
    assert tags, "the first test leaves the run's images on the second engine"
    there.images.remove(tags[0], force=True)  # one image taken away: it must come back over ssh
    run(engines=["local", f"box={ssh_to_second_engine}"], rounds=1)
    out = capsys.readouterr().out
    assert f"box: {tags[0]} shipped from local" in out
    run_id = [r for r in store.list_run_ids(results_dir) if "@" not in r][-1]
    meta = store.read_run_meta(store.run_dir(results_dir, run_id))
    assert meta["status"] == "complete"
    box = [e for e in meta["engines"] if e["name"] == "box"][0]
    assert box["endpoint"] == ssh_to_second_engine and box["cpu_flags"]
    docs = documents.load_results(results_dir, meta["parts"]["box"])
    assert {n: len(d.visits) for n, d in docs.items()} == {v: 1 for v in VARIANTS}


def test_an_engine_stopped_mid_run_ends_only_its_part_and_exit_6_names_it(profile, second_engine, capsys):
    import docker

    run, results_dir = profile  # the images are on both engines by now: nothing to ship
    watcher = docker.DockerClient(base_url=second_engine.url)
    seen = {}

    def stop_second_engine_in_its_round_2():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                running = [c for c in profile_containers(watcher)
                           if c.status == "running" and c.labels.get("tfopt.round") == "2"]
            except Exception:
                return
            if running:
                seen["name"] = running[0].name
                second_engine.stop()
                return
            time.sleep(0.2)

    killer = threading.Thread(target=stop_second_engine_in_its_round_2)
    killer.start()
    try:
        with pytest.raises(Exit) as info:
            run(rounds=3)
    finally:
        killer.join()
        second_engine.start()
    print(capsys.readouterr().out)
    assert seen, "no round-2 container was seen on the second engine"
    assert info.value.code == 6
    assert "second" in str(info.value.message) and second_engine.url in str(info.value.message)

    run_id = [r for r in store.list_run_ids(results_dir) if "@" not in r][-1]
    meta = store.read_run_meta(store.run_dir(results_dir, run_id))
    assert meta["status"] == "failed" and "engine second: lost" in meta["reason"]
    assert {e["name"]: e["status"] for e in meta["engines"]} == {"local": "complete", "second": "lost"}
    first = documents.load_results(results_dir, meta["parts"]["local"])
    assert {n: len(d.visits) for n, d in first.items()} == {v: 3 for v in VARIANTS}
    part = store.read_run_meta(store.run_dir(results_dir, meta["parts"]["second"]))
    assert part["status"] == "interrupted" and part["reason"].startswith("engine lost")
    assert _locks() == []  # the live engine's lock is released; the dead one's is stale (next test)


def test_an_engine_that_does_not_answer_is_refused_before_any_work(profile, tmp_path, capsys):
    run, results_dir = profile
    missing = f"unix://{tmp_path}/nobody/docker.sock"
    with pytest.raises(Exit) as info:
        run(engines=["local", missing])
    assert info.value.code == 3
    message = str(info.value.message)
    assert missing in message and "nothing was done" in message
    assert not store.runs_dir(results_dir).exists()  # no run started
    assert _locks() == []


def test_an_engine_in_use_by_another_run_is_refused_and_a_stale_lock_is_taken_over(
        profile, second_engine, capsys):
    run, results_dir = profile
    there = Engine.connect(second_engine.url)
    there.remove_container(fleet.LOCK_NAME)  # whatever an earlier test left
    holder = subprocess.Popen(["sleep", "600"])  # stands in for another tfopt run's process
    try:
        labels = {"tfopt.kind": "lock", "tfopt.run": "20260101T000000Z-other", "tfopt.pid": str(holder.pid),
                  "tfopt.controller": socket.gethostname(), "tfopt.since": "2026-01-01T00:00:00Z"}
        assert there.create_marker(fleet.LOCK_NAME, fleet._marker_image(there), labels)
        with pytest.raises(Exit) as info:
            run(rounds=1)
        assert info.value.code == 9
        message = str(info.value.message)
        assert "is in use by run 20260101T000000Z-other" in message and f"pid {holder.pid}" in message
        assert not store.runs_dir(results_dir).exists() or not [
            r for r in store.list_run_ids(results_dir) if "@" not in r]
        assert _locks() == []  # the local engine's lock, taken first, was given back
    finally:
        holder.kill()
        holder.wait()
    capsys.readouterr()
    run(rounds=1)  # the holder is gone: its lock is stale and is taken over
    out = capsys.readouterr().out
    assert "taking over a stale lock of run 20260101T000000Z-other" in out
    assert _locks(second_engine.url) == []


def test_a_docker_context_names_an_engine(second_engine, capsys):
    import docker

    name = "tfopt-test-second"
    docker.ContextAPI.create_context(name, host=second_engine.url)
    try:
        tasks.engines(Context(), engine=[name])
    finally:
        docker.ContextAPI.remove_context(name)
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{name}: {second_engine.url} · host ")
    with pytest.raises(Exit) as info:
        tasks.engines(Context(), engine=[name])  # gone now: refused, naming what exists
    assert info.value.code == 3 and f"no Docker context named {name!r}" in str(info.value.message)

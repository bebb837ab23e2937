"""The Swarm backend's pure parts: --swarm parsing, the job a visit becomes, service names,
registry addresses. (On the real engine: tests/integration/test_swarm*.py.)"""

import pytest

from tfopt.engine import fleet, registry
from tfopt.engine.swarm import MAX_NAME, SwarmNode, service_name
from tfopt.engine.types import ContainerSpec
from tfopt.errors import ConfigError, RegistryUnavailable
from tfopt.plan.engines import Target, swarm_target

NODE = {"ID": "n0de1d", "Description": {"Hostname": "box", "Resources": {"NanoCPUs": 8 * 10**9,
                                                                          "MemoryBytes": 16 << 30},
                                        "Engine": {"EngineVersion": "20.10.24"}, "Platform": {"OS": "linux"}}}


def _spec(**kw):
    return ContainerSpec(image="tfopt-g2p:abc", command=["python", "-m", "g2p.profile"], labels={"tfopt.run": "r1"},
                         name="tfopt-r1-v-r1", environment={"A": "1"}, nano_cpus=10**9, mem_limit=4 << 30,
                         **kw).locked_down()


def test_a_visit_is_a_job_on_its_node_under_the_variants_limits_reserving_the_whole_node():
    node = SwarmNode(None, NODE, images={"tfopt-g2p:abc": "reg:5000/tfopt/tfopt-g2p@sha256:" + "0" * 64})
    template = node._task_template(_spec())
    container = template["ContainerSpec"]
    assert container["Image"].endswith("@sha256:" + "0" * 64)
    assert container["User"] == "65534:65534" and container["ReadOnly"] is True
    assert container["CapabilityDrop"] == ["ALL"] and container["Env"] == ["A=1"]
    assert container["Mounts"] == [{"Type": "tmpfs", "Target": "/tmp",
                                    "TmpfsOptions": {"SizeBytes": 512 << 20, "Mode": 0o1777}}]
    assert container["Labels"]["tfopt.managed"] == "true" and container["Labels"]["tfopt.node"] == "n0de1d"
    assert template["Resources"] == {"Limits": {"NanoCPUs": 10**9, "MemoryBytes": 4 << 30, "Pids": 512},
                                     "Reservations": {"NanoCPUs": 8 * 10**9}}
    assert template["RestartPolicy"]["Condition"] == "none"
    assert template["Placement"] == {"Constraints": ["node.id==n0de1d"]}
    assert "Networks" not in template  # no network attached: the task sees only lo


def test_a_node_describes_itself_from_the_managers_view():
    info = SwarmNode(None, NODE).info()
    assert (info.host_name, info.ncpu, info.memory_bytes, info.docker_version) == ("box", 8, 16 << 30, "20.10.24")


def test_a_cpuset_is_refused_on_a_swarm_node_since_services_have_none():
    with pytest.raises(ConfigError, match="moby#30477"):
        SwarmNode(None, NODE).run(_spec(cpuset_cpus="0"))


def test_service_names_fit_a_dns_label_and_stay_distinct():
    short = "tfopt-r1-numpy-incremental-r1"
    assert service_name(short) == short
    long_a = "tfopt-20261204T182000Z-abcd-tfopt-node2-numpy-incremental-b-r1"
    long_b = long_a.replace("-r1", "-r2") + "-extra"
    assert len(service_name(long_a + "xx")) <= MAX_NAME
    assert service_name(long_a + "xx") != service_name(long_b)


def test_swarm_target_parsing():
    assert swarm_target("unix:///tmp/m/docker.sock") == Target("swarm", "unix:///tmp/m/docker.sock", swarm=True)
    assert swarm_target("local").url is None
    with pytest.raises(ConfigError, match="do not go together"):
        swarm_target("unix:///x.sock", ["second=unix:///y.sock"])
    with pytest.raises(ConfigError, match="did you mean 'tcp://'"):
        swarm_target("tpc://manager:2376")
    with pytest.raises(ConfigError, match="needs a manager"):
        swarm_target("  ")


def test_registry_without_swarm_and_swarm_without_registry_are_refused():
    with pytest.raises(ConfigError, match="--registry is for --swarm"):
        fleet.connect([Target("local", None)], "127.0.0.1:5000")
    with pytest.raises(ConfigError, match="needs a registry"):
        fleet.connect([swarm_target("unix:///nowhere.sock")], None)


def test_registry_addresses_and_a_registry_that_does_not_answer():
    assert registry.address("http://127.0.0.1:5000/") == "127.0.0.1:5000"
    assert registry._scheme("127.0.0.1:5000") == "http" and registry._scheme("reg.lan:5000") == "https"
    assert registry.repository_of("127.0.0.1:5000", "tfopt-g2p:abc") == "127.0.0.1:5000/tfopt/tfopt-g2p"
    with pytest.raises(RegistryUnavailable, match="no registry answers at 127.0.0.1:9"):
        registry.check("127.0.0.1:9", timeout_s=2)


def test_swarm_and_registry_keys_in_the_variants_file(tmp_path):
    from tfopt.plan.load import load_plan

    plan = tmp_path / "variants.yaml"
    plan.write_text("swarm: unix:///tmp/m.sock\nregistry: 127.0.0.1:5000\nvariants:\n  a:\n    python: '3.11'\n"
                    "    tensorflow: {pypi: tensorflow-cpu==2.21.0}\n")
    loaded = load_plan(plan)
    assert (loaded.swarm, loaded.registry) == ("unix:///tmp/m.sock", "127.0.0.1:5000")
    plan.write_text("swarm: [a, b]\nvariants:\n  a:\n    python: '3.11'\n    tensorflow: {pypi: tensorflow-cpu==2.21.0}\n")
    with pytest.raises(ConfigError, match="swarm is one URL"):
        load_plan(plan)

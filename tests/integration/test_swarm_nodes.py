"""Two swarm nodes on the real engine: the manager is a dockerd of the test's own here; the
worker a dockerd in a network namespace of the test's own (tfopt-test-swarm, host name
tfopt-node2), joined over a veth pair; the registry listens on the test's own veth address,
which both engines reach. Both nodes run on this machine's CPUs.

Teardown leaves nothing: swarm membership, both dockerds, the namespace and veth, the registry.
"""

import os
import sys
from pathlib import Path

import pytest
from invoke import Context

from swarm_nodes import (SMALL_VARIANTS, missing_tools, profile_through, small_image, small_plan, tfopt_services,
                         two_node_swarm)
from tfopt.records import documents, store

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import tasks  # noqa: E402

WORKER = "tfopt-node2"


@pytest.fixture(scope="module")
def two_nodes(engine, tmp_path_factory):
    missing = missing_tools()
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and missing: {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"missing: {', '.join(missing)}")
    plan = small_plan(tmp_path_factory.mktemp("swarm2"))
    tag = small_image(engine, plan)
    with two_node_swarm(engine, tag, WORKER) as nodes:
        yield dict(nodes, plan=plan, image=tag)


def test_both_nodes_run_their_part_from_the_registry_and_the_report_shows_both(two_nodes, tmp_path, capsys):
    profile_through(two_nodes, tmp_path)
    capsys.readouterr()
    run_id = store.list_run_ids(tmp_path)[0]
    parent = documents.load_run(tmp_path, run_id)
    assert parent.status == "complete"
    names = sorted(parent.record.parts)
    assert WORKER in names and len(names) == 2
    node_ids = set()
    for name in names:
        part = parent.record.parts[name]
        docs = documents.load_results(tmp_path, part)
        assert set(docs) == set(SMALL_VARIANTS) and all(len(d.visits) == 1 for d in docs.values())
        facts = docs[SMALL_VARIANTS[0]].engine_doc
        assert facts["backend"] == "swarm" and facts["host_name"].lower() == name
        node_ids.add(facts["node_id"])
    assert len(node_ids) == 2
    # the worker holds the image only because it pulled it from the registry, by digest
    assert two_nodes["worker"].docker("images", "--digests", "--format", "{{.Repository}}@{{.Digest}}") \
        .startswith(two_nodes["registry"] + "/tfopt/")
    tasks.report(Context(), run=run_id, results=str(tmp_path))
    report = (store.run_dir(tmp_path, run_id) / "report.md").read_text()
    assert all(name in report for name in names)
    assert tfopt_services(two_nodes["manager"]) == []


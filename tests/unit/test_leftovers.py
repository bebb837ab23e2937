import os

from tfopt.engine import ContainerInfo
from tfopt.measure.pipeline import remove_leftovers


class Listing:
    """An engine with some profiling containers: what `remove_leftovers` lists and removes."""

    def __init__(self, containers):
        self.present, self.asked, self.removed = list(containers), [], []

    def containers(self, labels):
        self.asked.append(labels)
        return list(self.present)

    def remove_container(self, name):
        self.removed.append(name)
        return True


def container(name, status="exited", pid=None):
    return ContainerInfo(name, status, {"tfopt.kind": "profile", **({"tfopt.pid": pid} if pid else {})})


def test_only_containers_whose_owner_is_gone_are_removed():
    engine = Listing([
        container("dead-owner", "running", pid="999999999"),
        container("live-owner", "running", pid=str(os.getppid())),
        container("mine", "running", pid=str(os.getpid())),   # an earlier run of this process
        container("old-tfopt-running", "running"),            # no owner label: may be measuring
        container("old-tfopt-exited", "exited"),
    ])
    assert remove_leftovers(engine) == ["dead-owner", "mine", "old-tfopt-exited"]
    assert engine.asked == [{"tfopt.kind": "profile"}]
    assert engine.removed == ["dead-owner", "mine", "old-tfopt-exited"]


def test_one_removed_meanwhile_by_someone_else_is_not_reported():
    engine = Listing([container("gone", pid="999999999")])
    engine.remove_container = lambda name: False
    assert remove_leftovers(engine) == []

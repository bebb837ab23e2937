from tfopt import paths
from tfopt.engine import clean


class FakeEngine:
    def __init__(self):
        self.calls = []

    def remove_containers(self, labels):
        self.calls.append(("containers", labels))
        return ["c1"]

    def remove_dangling(self, only_ids=None):
        self.calls.append(("dangling", only_ids))
        return ["d1"]

    def remove_images(self, labels):
        self.calls.append(("images", labels))
        return ["i1", "i2"]

    def remove_volumes(self, labels):
        self.calls.append(("volumes", labels))
        return []


def test_clean_removes_only_what_carries_tfopt_labels_and_keeps_results(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    paths.wheelhouse_dir().mkdir(parents=True)
    (paths.wheelhouse_dir() / "x.whl").write_text("x")
    results = tmp_path / "results"
    results.mkdir()
    fake = FakeEngine()
    monkeypatch.setattr(clean.Engine, "connect", classmethod(lambda cls: fake))
    clean.clean()
    said = capsys.readouterr().out.splitlines()
    assert [kind for kind, _ in fake.calls] == ["containers", "dangling", "images", "volumes"]
    assert fake.calls[1] == ("dangling", None)  # every dangling tfopt image, not one build's
    assert "removed 1 dangling build-stage image(s)" in said
    assert not paths.wheelhouse_dir().exists()
    assert results.exists()
    assert "removed 2 image(s)" in said


def test_engine_removal_is_always_filtered_by_the_managed_label():
    from tfopt.engine.client import Engine

    seen = []

    class Listing:
        def list(self, **kwargs):
            seen.append(kwargs["filters"]["label"])
            return []

    class Client:
        images = containers = volumes = Listing()

    engine = Engine(Client())
    engine.remove_images({})
    engine.remove_containers({"tfopt.kind": "profile"})
    engine.remove_volumes({})
    assert seen == [["tfopt.managed=true"], ["tfopt.managed=true", "tfopt.kind=profile"], ["tfopt.managed=true"]]

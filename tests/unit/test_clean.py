from fakes import FakeDockerClient, FakeEngine
from tfopt import paths
from tfopt.engine import clean
from tfopt.engine.client import Engine


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
    assert {kind for kind, _ in fake.removals} == {"services", "containers", "dangling", "images", "volumes"}
    assert len(fake.removals) == 5
    assert ("dangling", None) in fake.removals  # every dangling tfopt image, not one build's
    # services and containers go first: an engine refuses to remove the images and volumes they use
    assert [kind for kind, _ in fake.removals[:2]] == ["services", "containers"]
    assert "removed 1 dangling build-stage image(s)" in said
    assert not paths.wheelhouse_dir().exists()
    assert results.exists()
    assert "removed 2 image(s)" in said


def test_engine_removal_is_always_filtered_by_the_managed_label():
    client = FakeDockerClient()
    engine = Engine(client)
    engine.remove_images({})
    engine.remove_containers({"tfopt.kind": "profile"})
    engine.remove_volumes({})
    assert client.listed == [["tfopt.managed=true"], ["tfopt.managed=true", "tfopt.kind=profile"],
                             ["tfopt.managed=true"]]

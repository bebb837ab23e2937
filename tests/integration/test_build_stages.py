"""A multi-stage image build leaves no dangling stage images; `invoke clean` removes any left.

Built on the test-owned second engine (second_engine.py) with the classic builder, as
tfopt's own builds are, FROM an image carrying tfopt's labels, as tfopt's base images do:
the earlier stage inherits them, which is how cleanup recognizes it."""

import io
import tarfile

from tfopt.engine.client import Engine

DOCKERFILE = """ARG BASE
FROM ${BASE} AS install
ARG SALT
RUN cat /fixture/ref/0.json > /tmp/stage.json && echo "$SALT" >> /tmp/stage.json
FROM ${BASE}
COPY --from=install /tmp/stage.json /stage.json
"""


def context() -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        data = DOCKERFILE.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def dangling(engine: Engine) -> set:
    return {i.id for i in engine.client.images.list(filters={"dangling": True})}


def test_build_removes_its_intermediate_stage(second_engine, fixture_image, tmp_path):
    engine = Engine.connect(second_engine.url)
    before = dangling(engine)
    lines = []
    engine.build(context(), "tfopt-stages:1", {"tfopt.kind": "test"}, tmp_path / "build.log", lines.append,
                 buildargs={"BASE": fixture_image, "SALT": "one"})
    assert any("Step 4/" in line for line in lines)  # the install stage ran
    assert engine.image("tfopt-stages:1") is not None
    assert dangling(engine) == before


def test_clean_removes_stages_an_older_build_left(second_engine, fixture_image, tmp_path, monkeypatch, capsys):
    engine = Engine.connect(second_engine.url)
    before = dangling(engine)
    # what builds did before: the install stage stays behind as <none>:<none>
    for _ in engine.client.api.build(fileobj=context(), custom_context=True, tag="tfopt-stages:2",
                                     labels={"tfopt.managed": "true"}, rm=True, forcerm=True, decode=True,
                                     buildargs={"BASE": fixture_image, "SALT": "two"}):
        pass
    left = dangling(engine) - before
    assert len(left) == 1
    assert engine.client.images.get(left.pop()).labels["tfopt.managed"] == "true"

    from tfopt.engine import clean

    monkeypatch.setenv("DOCKER_HOST", second_engine.url)
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    capsys.readouterr()
    clean.clean(wheelhouse=False)
    assert "removed 1 dangling build-stage image(s)" in capsys.readouterr().out.splitlines()
    assert dangling(engine) == set()

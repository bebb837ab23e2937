"""The host names paths inside a g2p image that builders/g2p/Dockerfile lays out. They are
not build args: the Dockerfile's bytes are part of every image's digest, so a change of the
recipe rebuilds every image. This test keeps the two in step instead."""

import re

from tfopt.build.images import MODEL_IN_IMAGE, RECIPE_DIR, WHEELS_IN_IMAGE, requirements_txt

DOCKERFILE = (RECIPE_DIR / "Dockerfile").read_text()


def test_the_model_is_where_the_profiler_is_told_to_look():
    assert re.findall(r"g2p\.export .*?--out (\S+)", DOCKERFILE, re.S) == [MODEL_IN_IMAGE]
    assert f"COPY --from=converter {MODEL_IN_IMAGE} {MODEL_IN_IMAGE}" in DOCKERFILE


def test_wheels_are_where_requirements_txt_names_them():
    installs = re.findall(r"^COPY (tensorflow|runtime)/ (\S+)$", DOCKERFILE, re.M)
    assert [folder for folder, _ in installs] == ["tensorflow", "runtime"]
    assert {f"{into.rstrip('/')}/wheels" for _, into in installs} == {WHEELS_IN_IMAGE}
    assert f"--find-links {WHEELS_IN_IMAGE} " in DOCKERFILE
    assert requirements_txt(["/w/x-1-py3-none-any.whl"]) == f"{WHEELS_IN_IMAGE}/x-1-py3-none-any.whl\n".encode()

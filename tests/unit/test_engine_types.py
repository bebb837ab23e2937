import inspect

import pytest

from tfopt.engine import Cleaner, ContainerRunner, Engine, ImageBuilder


@pytest.mark.parametrize("protocol", [ContainerRunner, ImageBuilder, Cleaner])
def test_engine_has_each_protocols_methods_with_their_parameters(protocol):
    assert isinstance(Engine(client=None), protocol)
    for name, declared in vars(protocol).items():
        if inspect.isfunction(declared) and not name.startswith("_"):
            assert inspect.signature(getattr(Engine, name)).parameters.keys() == \
                inspect.signature(declared).parameters.keys(), name

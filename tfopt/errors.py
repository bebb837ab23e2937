"""Typed fatal errors. Each kind has its own exit code; tasks.py maps them."""

import difflib
from typing import Iterable


class TfoptError(Exception):
    """A fatal error with a message that says what is wrong and what to do."""

    exit_code = 1

    def __init__(self, message, *, hint=None):
        super().__init__(message)
        self.hint = hint

    def __str__(self):
        text = super().__str__()
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(TfoptError):
    """variants.yaml or a command-line flag is wrong."""

    exit_code = 2


class UnknownFormat(ConfigError):
    """A result or run document has a schema version this tfopt cannot read."""


class DamagedRecord(ConfigError):
    """A file of the results store cannot be read (truncated, not JSON, not the document's shape)."""


class MatrixTooLarge(ConfigError):
    """A `matrix:` grid expands past the limit and the user has not confirmed it with --yes."""


class EngineUnavailable(TfoptError):
    """No Docker engine answers."""

    exit_code = 3


class RegistryUnavailable(EngineUnavailable):
    """The image registry a swarm run uses does not answer (its URL is named)."""


class NodeLost(EngineUnavailable):
    """A swarm node went down (or left) while a visit ran on it."""


class FetchError(TfoptError):
    """Something could not be downloaded or failed its checksum."""

    exit_code = 4


class BuildError(TfoptError):
    """An image or wheel build failed; the message names its log."""

    exit_code = 5


class RunError(TfoptError):
    """A profiling container failed (non-zero exit, OOM, timeout, bad output)."""

    exit_code = 6


class EnginesLost(RunError):
    """In a run across several engines, one or more engines stopped answering; the others finished."""


class PushFailed(BuildError):
    """Pushing an image to the run's registry failed."""


class Unschedulable(RunError):
    """Swarm did not start a visit's job within the timeout; the message is Swarm's reason."""


class CorrectnessError(TfoptError):
    """A variant's predictions differ from its reference and it may not."""

    exit_code = 7


class UnsupportedHost(TfoptError):
    """The host cannot run what was asked (e.g. a wheel needs CPU instructions it lacks)."""

    exit_code = 8


class EngineBusy(TfoptError):
    """Another run holds the engine's lock: one run per engine at a time."""

    exit_code = 9


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest option, or '' when none is close: appended to a message."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""

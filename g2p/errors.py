"""Errors raised by the g2p package (stdlib only; no tfopt import: g2p runs alone in images).

Every error has a `hint` (what to do) and an `exit_code` the command-line tools return.
"""


class G2PError(Exception):
    """Base class. `hint` says what to do about it."""

    exit_code = 1

    def __init__(self, message, hint=None):
        super(G2PError, self).__init__(message)
        self.hint = hint

    def __str__(self):
        text = super(G2PError, self).__str__()
        return "%s\n  hint: %s" % (text, self.hint) if self.hint else text


class WeightsError(G2PError):
    """The checkpoint files are missing, corrupt, or cannot be fetched."""

    exit_code = 4


class ModelError(G2PError):
    """A model directory does not hold what was asked for, or an export failed."""

    exit_code = 4


class UsageError(G2PError):
    """A bad runtime, decoding, form or knob value: nothing was run."""

    exit_code = 2


class RuntimeMissingError(G2PError):
    """The Python package a runtime needs is not installed in this environment."""

    exit_code = 2

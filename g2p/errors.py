"""Errors raised by the g2p package (stdlib only; no tfopt import: g2p runs alone in images)."""


class G2PError(Exception):
    """Base class. `hint` says what to do about it."""

    def __init__(self, message, hint=None):
        super(G2PError, self).__init__(message)
        self.hint = hint

    def __str__(self):
        text = super(G2PError, self).__str__()
        return "%s\n  hint: %s" % (text, self.hint) if self.hint else text


class WeightsError(G2PError):
    """The checkpoint files are missing, corrupt, or cannot be fetched."""


class ModelError(G2PError):
    """A model directory does not hold the form asked for, or an export failed."""

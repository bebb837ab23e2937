"""The runtime seam: one small module per runtime behind one tiny interface.

The procedure (vocabulary, encoding, batching and the decode loop of each decoding)
is written once, in :mod:`g2p.model`. A runtime module ``g2p.runtimes.<runtime>``
provides only the network, as a function

    load(model_dir, metadata, settings) -> Backend

where `metadata` is the model directory's ``g2p-model.json`` (a dict) and `settings`
is ``{knob key: value}`` for that runtime's knobs (g2p/knobs.py, already validated).
The returned :class:`Backend` implements the call(s) its decoding needs. All arrays
are NumPy: ``x`` is int32 ``[n, MAXLEN]`` grapheme indices (0-padded), ``y`` int32
``[n, MAXLEN]`` phoneme indices, predictions are int32.

================ =============================================== ======================
decoding         the procedure calls                             result
================ =============================================== ======================
``rerun``        ``run_full(x, y)`` MAXLEN times, y = preds so    ``[n, MAXLEN]``; the
                 far (g2p_en 1.0.0's procedure)                  procedure keeps column j
``loop``         ``run_loop(x)`` once                            ``[n, MAXLEN]``
``incremental``  ``run_loop(x)`` once if ``one_call`` is True,   ``[n, MAXLEN]``
                 else ``state = encode(x)`` once, then MAXLEN    ``step`` returns
                 times ``pred, state = step(state, prev)``       (``[n]`` preds, state)
                 with prev = the previous step's preds (0 first)
================ =============================================== ======================

``state`` is opaque to the procedure (whatever the runtime caches: encoder keys and
values, GRU state, attention vector, ...).
"""

import importlib

from ..errors import RuntimeMissingError, UsageError
from ..specs import RUNTIMES, spec


class Backend(object):
    """What a runtime module's ``load`` returns. Implement the calls of your decodings."""

    runtime = None
    one_call = False   # incremental: True = the whole decode is run_loop(x)

    def run_full(self, x, y):
        raise NotImplementedError

    def run_loop(self, x):
        raise NotImplementedError

    def encode(self, x):
        raise NotImplementedError

    def step(self, state, prev):
        raise NotImplementedError

    def version(self):
        """The runtime library's version string."""
        raise NotImplementedError

    def node_count(self):
        """Nodes of the loaded graph, or None when the runtime has no such notion."""
        return None

    def close(self):
        pass


def check_runtime(runtime):
    if runtime not in RUNTIMES:
        import difflib

        close = difflib.get_close_matches(str(runtime), RUNTIMES, 1)
        raise UsageError("unknown runtime %r" % (runtime,),
                         hint=("did you mean %r? " % close[0] if close else "")
                         + "runtimes: " + ", ".join(RUNTIMES))


def require_package(package, needed_by, hint):
    """Import `package`, or raise RuntimeMissingError saying that `needed_by` needs it."""
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise RuntimeMissingError(
            "%s needs the Python package %r, which this environment cannot import (%s)"
            % (needed_by, package, exc), hint=hint)


def runtime_module(runtime):
    """The module ``g2p.runtimes.<runtime>``; RuntimeMissingError if its package is absent."""
    check_runtime(runtime)
    own = spec(runtime)
    require_package(own.package, "runtime %s" % runtime,
                    "%s, or use a model directory exported for a runtime that is installed" % own.install)
    return importlib.import_module(__name__ + "." + runtime)


def load_backend(model_dir, metadata, settings):
    """The Backend of `metadata["runtime"]` for `model_dir`."""
    return runtime_module(metadata["runtime"]).load(model_dir, metadata, settings)


def require_files(model_dir, metadata, names):
    """ModelError naming the first of `names` missing from `model_dir`, with the re-export command."""
    from pathlib import Path

    from ..errors import ModelError

    for name in names:
        path = Path(model_dir) / name
        if not path.is_file():
            raise ModelError("%s is missing" % path,
                             hint="re-export with `python -m g2p.export --runtime %s --decoding %s "
                                  "--out %s`" % (metadata["runtime"], metadata["decoding"], model_dir))

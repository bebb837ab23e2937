"""Which runtime can express which decoding, and in which form (stdlib only; host validation reads it).

Derived from the runtimes' specs (g2p/specs.py). ``SUPPORT[runtime][decoding]`` is None
when supported, else the reason it is not. Decodings (docs/g2p.md):

* ``rerun``: g2p_en 1.0.0's procedure: the whole network MAXLEN times per batch, the
  predictions so far fed back as the decoder input;
* ``loop``: the same MAXLEN steps inside one graph, one runtime call per batch;
* ``incremental``: the encoder once, then one new decoder position per step from the
  cached decoder state (GRU state, attention vector, encoder keys/values).
"""

from .specs import DECODINGS, RUNTIMES, SPECS, spec

SUPPORT = {s.name: {d: s.unsupported.get(d) for d in DECODINGS} for s in SPECS}


def reason(runtime, decoding):
    """None if `runtime` can run `decoding`, else why not (unknown names included)."""
    if runtime not in SUPPORT:
        return "unknown runtime %r (one of: %s)" % (runtime, ", ".join(sorted(SUPPORT)))
    row = SUPPORT[runtime]
    if decoding not in row:
        return "unknown decoding %r (one of: %s)" % (decoding, ", ".join(sorted(row)))
    return row[decoding]


def form_reason(runtime, decoding, form):
    """None if `form` is allowed for runtime/decoding (None = the default), else why not."""
    if form is None:
        return None
    forms = spec(runtime).forms if runtime in RUNTIMES else ()
    if not forms:
        return ("form is a TensorFlow knob; runtime %s has none (its converter picks the "
                "TensorFlow graph it converts)" % runtime)
    if form not in forms:
        return "unknown form %r (one of: %s)" % (form, ", ".join(sorted(forms)))
    return spec(runtime).form_limits.get((decoding, form))


def early_stop_reason(runtime, decoding):
    """None if `runtime` can end `decoding` early (every row emitted <EOS>), else why not."""
    why = reason(runtime, decoding)
    if why:
        return why
    stops = spec(runtime).early_stop
    if decoding not in stops:
        return ("runtime %s cannot stop decoding %s early (it can: %s)"
                % (runtime, decoding, ", ".join(stops) or "none"))
    return None

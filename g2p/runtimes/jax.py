"""Runtime ``jax``: the whole incremental decode as one XLA program (``jax.jit``, ``lax.while_loop``).

The network is g2p.runtimes.numpy's, written with ``jax.numpy`` from the same
``weights.npz``; one call, ``run_loop(x)``, runs the encoder (a while loop over the
batch's longest word) and the decoder (a while loop of up to MAXLEN positions). With the
model directory's ``early_stop`` the decoder loop ends as soon as every row of the batch
has emitted ``<EOS>``: the batch stays whole, so every number computed before the stop is
the one the full loop computes.

XLA compiles one executable per input shape, and the batch has 1..BATCH_WORDS rows. So
:func:`prepare` (the image's last build step, g2p.prepare) compiles every batch size and
serializes the executables into ``xla/`` with a manifest; a process deserializes each on
its batch size's first call (no compiling), and no call ever compiles. The manifest
records the CPU it was compiled for; on a CPU that lacks one of those ISA extensions, or
with other XLA flags or another jax, :func:`load` says so on stderr and compiles in
process instead (slow start-up, same predictions).

Numerics: XLA_FLAGS pins fast math off (the exact default); knob ``jax.fast_math`` turns
it on (inexact). Threads: knob ``jax.multi_thread_eigen`` (XLA's Eigen pool for dots;
off = the calling thread only).
"""

import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np

from . import Backend, require_files
from .numpy import WEIGHTS_FILE, Network, read_weights
from ..errors import ModelError, UsageError
from ..sysinfo import cpu_info
from ..vocab import BATCH_WORDS, EOS, MAXLEN
XLA_DIR = "xla"
MANIFEST = "xla/manifest.json"
# The CPU features XLA may target (from /proc/cpuinfo); a container's CPU must have all
# of those the build host had.
ISA_FLAGS = ("sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2",
             "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd", "avx512_vnni",
             "avx512_bf16", "avx512_fp16", "avx512vbmi", "amx_tile")
# (names, in order) of the arrays the compiled program takes, from numpy's Network.
PARAMS = ("enc_gates_x", "enc_gates_h", "enc_cand_x", "enc_cand_h", "memory_layer",
          "dec_gates_x", "dec_gates_ah", "dec_cand_x", "dec_cand_ah", "query_layer",
          "attention_v", "attention_layer", "dense", "dense_bias")


def xla_flags(settings):
    """The XLA_FLAGS this runtime compiles with, from its knobs."""
    flags = ["--xla_cpu_enable_fast_math=%s" % str(bool(settings["jax.fast_math"])).lower(),
             "--xla_cpu_multi_thread_eigen=%s" % str(bool(settings["jax.multi_thread_eigen"])).lower()]
    return " ".join(flags)


def cpu_isa():
    """The ISA_FLAGS this CPU has (sorted), from /proc/cpuinfo."""
    have = set(cpu_info()["flags"])
    return sorted(f for f in ISA_FLAGS if f in have)


_applied_flags = []   # the XLA_FLAGS of this process's CPU client, once it started


def _configure(settings):
    """Set XLA_FLAGS before XLA's CPU client starts (it reads them once per process)."""
    wanted = xla_flags(settings)
    if _applied_flags and _applied_flags[0] != wanted:
        raise UsageError("this process's XLA already runs with %s, not %s (XLA reads XLA_FLAGS "
                         "once per process)" % (_applied_flags[0], wanted),
                         hint="load jax models with other jax knob values in another process")
    current = os.environ.get("XLA_FLAGS", "")
    if wanted not in current:
        os.environ["XLA_FLAGS"] = (current + " " + wanted).strip()
    import jax

    jax.config.update("jax_platforms", "cpu")
    _applied_flags[:] = [wanted]
    return jax


def _sigmoid(jnp, z):
    return 1.0 / (1.0 + jnp.exp(-z))


def decode_program(early_stop):
    """decode(params, x) -> (int32 [n, MAXLEN] predictions, decoder steps run): the numpy network."""
    import jax.numpy as jnp
    from jax import lax

    def gru_gates(jnp, gx, gh, h, H):
        gates = _sigmoid(jnp, gx + gh)
        return gates[..., :H], gates[..., H:]

    def decode(params, x):
        (enc_gates_x, enc_gates_h, enc_cand_x, enc_cand_h, memory_layer, dec_gates_x,
         dec_gates_ah, dec_cand_x, dec_cand_ah, query_layer, attention_v, attention_layer,
         dense, dense_bias) = params
        n, steps = x.shape
        H = query_layer.shape[0]
        lengths = (x != 0).sum(axis=1)
        t = jnp.arange(steps)
        valid = t[None, :] < lengths[:, None]
        rev_index = jnp.where(valid, lengths[:, None] - 1 - t[None, :], t[None, :])
        tokens = jnp.stack([x, jnp.take_along_axis(x, rev_index, axis=1)])   # [2, n, T]
        gx = jnp.stack([enc_gates_x[d][tokens[d]] for d in (0, 1)])          # [2, n, T, 2H]
        cx = jnp.stack([enc_cand_x[d][tokens[d]] for d in (0, 1)])           # [2, n, T, H]

        def enc_step(carry):
            j, h, out = carry
            live = valid[:, j][None, :, None]
            hs = []
            for d in (0, 1):
                r, u = gru_gates(jnp, gx[d, :, j], jnp.dot(h[d], enc_gates_h[d]), h[d], H)
                c = jnp.tanh(cx[d, :, j] + jnp.dot(r * h[d], enc_cand_h[d]))
                hs.append(u * h[d] + (1.0 - u) * c)
            new_h = jnp.stack(hs)
            out = lax.dynamic_update_index_in_dim(out, jnp.where(live, new_h, 0.0), j, axis=2)
            return j + 1, jnp.where(live, new_h, h), out

        last = lengths.max()
        _, _, out = lax.while_loop(
            lambda c: c[0] < last, enc_step,
            (jnp.int32(0), jnp.zeros((2, n, H), jnp.float32), jnp.zeros((2, n, steps, H), jnp.float32)))
        backward = jnp.take_along_axis(out[1], rev_index[:, :, None], axis=1)
        memory = jnp.concatenate([out[0], backward], axis=-1)                # [n, T, 2H]
        keys = jnp.dot(memory.reshape(n * steps, 2 * H), memory_layer).reshape(n, steps, H)

        def dec_step(carry):
            j, h, a, prev, preds, done = carry
            r, u = gru_gates(jnp, dec_gates_x[prev],
                             jnp.dot(jnp.concatenate([a, h], axis=1), dec_gates_ah), h, H)
            c = jnp.tanh(dec_cand_x[prev] + jnp.dot(jnp.concatenate([a, r * h], axis=1), dec_cand_ah))
            h = u * h + (1.0 - u) * c
            query = jnp.dot(h, query_layer)
            scores = jnp.dot(jnp.tanh(keys + query[:, None, :]).reshape(n * steps, H),
                             attention_v).reshape(n, steps)
            scores = jnp.where(valid, scores, -jnp.inf)
            e = jnp.exp(scores - scores.max(axis=1, keepdims=True))
            alignments = e / e.sum(axis=1, keepdims=True)
            context = jnp.einsum("nt,ntk->nk", alignments, memory)
            a = jnp.dot(jnp.concatenate([h, context], axis=1), attention_layer)
            logits = jnp.dot(a, dense) + dense_bias
            pred = logits.argmax(axis=1).astype(jnp.int32)
            preds = lax.dynamic_update_index_in_dim(preds, pred, j, axis=1)
            return j + 1, h, a, pred, preds, done | (pred == EOS)

        def more(carry):
            j, done = carry[0], carry[5]
            if early_stop:
                return (j < MAXLEN) & ~done.all()
            return j < MAXLEN

        zeros = jnp.zeros((n, H), jnp.float32)
        carry = (jnp.int32(0), zeros, zeros, jnp.zeros((n,), jnp.int32),
                 jnp.zeros((n, MAXLEN), jnp.int32), jnp.zeros((n,), bool))
        out = lax.while_loop(more, dec_step, carry)
        return out[4], out[0]

    return decode


def network_params(model_dir):
    net = Network(read_weights(Path(model_dir) / WEIGHTS_FILE))
    return tuple(np.ascontiguousarray(getattr(net, name), np.float32) for name in PARAMS)


def _example_x(n):
    import jax

    return jax.ShapeDtypeStruct((n, MAXLEN), np.int32)


def compile_all(jax, params, early_stop):
    """{batch size: compiled executable} for 1..BATCH_WORDS rows."""
    program = jax.jit(decode_program(early_stop))
    shapes = tuple(jax.ShapeDtypeStruct(p.shape, p.dtype) for p in params)
    return {n: program.lower(shapes, _example_x(n)).compile() for n in range(1, BATCH_WORDS + 1)}


def program_digest():
    """sha256 of this module's source: executables of another version of the program are stale."""
    import hashlib

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _manifest(jax, settings, early_stop):
    import jaxlib

    return {"jax": jax.__version__, "jaxlib": jaxlib.__version__, "program": program_digest(),
            "xla_flags": xla_flags(settings),
            "early_stop": bool(early_stop), "compiled_for": cpu_isa(),
            "batch_sizes": list(range(1, BATCH_WORDS + 1))}


def prepare(model_dir, metadata):
    """Compile every batch size for this CPU; serialize them into model_dir/xla/."""
    from jax.experimental.serialize_executable import serialize

    from ..knobs import resolve

    settings = resolve("jax", None)
    jax = _configure(settings)
    early_stop = bool(metadata.get("early_stop", False))
    executables = compile_all(jax, network_params(model_dir), early_stop)
    (Path(model_dir) / XLA_DIR).mkdir(exist_ok=True)
    size = 0
    for n, compiled in executables.items():
        blob = pickle.dumps(serialize(compiled))
        (Path(model_dir) / XLA_DIR / ("batch-%02d.bin" % n)).write_bytes(blob)
        size += len(blob)
    manifest = _manifest(jax, settings, early_stop)
    (Path(model_dir) / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return dict(manifest, bytes=size)


def _why_recompile(manifest, expected):
    if manifest is None:
        return "no compiled executables in the model directory (g2p.prepare did not run)"
    missing = sorted(set(manifest["compiled_for"]) - set(expected["compiled_for"]))
    if missing:
        return "compiled for a CPU with %s, which this CPU lacks" % " ".join(missing)
    for key in ("jax", "jaxlib", "program", "xla_flags", "early_stop", "batch_sizes"):
        if manifest.get(key) != expected[key]:
            return "compiled with %s %r, this run needs %r" % (key, manifest.get(key), expected[key])
    return None


def load_executables(jax, model_dir, settings, params, early_stop):
    """(executables, how): {batch size: executable} or a PreparedExecutables, and which."""
    path = Path(model_dir) / MANIFEST
    manifest = json.loads(path.read_text()) if path.is_file() else None
    why = _why_recompile(manifest, _manifest(jax, settings, early_stop))
    if why is None:
        return PreparedExecutables(Path(model_dir) / XLA_DIR, manifest["batch_sizes"]), "prepared"
    print("g2p jax runtime: compiling %d batch sizes now (slow start-up): %s"
          % (BATCH_WORDS, why), file=sys.stderr)
    return compile_all(jax, params, early_stop), "compiled at load: " + why


class PreparedExecutables(object):
    """g2p.prepare's executables, each deserialized on its batch size's first call.

    Deserializing one takes about 0.06 s (no compiling); all 20 up front would put
    about 1.2 s into start-up, for batch sizes most processes never see."""

    def __init__(self, xla_dir, batch_sizes):
        from jax.experimental.serialize_executable import deserialize_and_load

        self._deserialize = deserialize_and_load
        self._dir = xla_dir
        self._sizes = set(batch_sizes)
        self._loaded = {}

    def get(self, n):
        if n not in self._loaded and n in self._sizes:
            blob = (self._dir / ("batch-%02d.bin" % n)).read_bytes()
            self._loaded[n] = self._deserialize(*pickle.loads(blob))
        return self._loaded.get(n)


class JaxBackend(Backend):
    runtime = "jax"
    one_call = True

    def __init__(self, jax, params, executables, how):
        self.jax = jax
        self.params = tuple(jax.device_put(p) for p in params)
        self.executables = executables
        self.how = how
        self.last_steps = None   # decoder steps the last call ran (< MAXLEN: early stop)

    def run_loop(self, x):
        x = np.asarray(x, np.int32)
        compiled = self.executables.get(x.shape[0])
        if compiled is None:
            raise ModelError("the jax runtime holds executables for 1..%d rows, not %d"
                             % (BATCH_WORDS, x.shape[0]),
                             hint="call predict(), which batches words by %d" % BATCH_WORDS)
        preds, steps = compiled(self.params, x)
        self.last_steps = int(steps)
        return np.asarray(preds)

    def version(self):
        return self.jax.__version__


def load(model_dir, metadata, settings):
    require_files(model_dir, metadata, [WEIGHTS_FILE])
    jax = _configure(settings)
    params = network_params(model_dir)
    executables, how = load_executables(jax, model_dir, settings, params,
                                        bool(metadata.get("early_stop", False)))
    return JaxBackend(jax, params, executables, how)

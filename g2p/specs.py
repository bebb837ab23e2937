"""What each runtime is, declared once (pure Python 3.7+, no third-party imports).

A runtime is four things: its backend (``g2p/runtimes/<name>.py``), its exporter
(``g2p/exporters/<name>.py``), its :class:`RuntimeSpec` in :data:`SPECS` below, and its
pins (``builders/g2p/runtimes.yaml``). Everything else that names runtimes derives from
SPECS: the run knobs (g2p.knobs), which decodings and forms each runs (g2p.support), the
packages g2p.runtimes and g2p.export import, the profile schema's enums (g2p.schema), and
the host's variants.yaml schema (tfopt.plan.runtimes). The host imports this module, so
it stays stdlib-only.

SPECS' order is the order in which flags, help texts and the schema list runtimes.
"""

from collections import namedtuple

DECODINGS = ("rerun", "loop", "incremental")
DEFAULT_RUNTIME = "tensorflow"
DEFAULT_DECODING = "rerun"

_KnobBase = namedtuple("Knob", "key runtime type default choices minimum help inexact")


class Knob(_KnobBase):
    """One run knob. `type` is int, bool or str; str knobs have `choices`.

    `inexact`: any value but the default may change predictions (fast-math, approximate
    transcendentals, lower precision), so only a variant that declares
    `may_change_predictions` may set one (tfopt.plan.load refuses it otherwise)."""

    def __new__(cls, key, runtime, type, default, choices=None, minimum=None, help="",
                inexact=False):
        if type not in (int, bool, str):
            raise ValueError("knob %s: type must be int, bool or str" % key)
        return super(Knob, cls).__new__(cls, key, runtime, type, default,
                                        tuple(choices) if choices else None, minimum, help,
                                        bool(inexact))


_SpecBase = namedtuple("RuntimeSpec", "name package install converters unsupported forms "
                                      "form_limits knobs compiled target early_stop")


class RuntimeSpec(_SpecBase):
    """One runtime.

    * `package`, `install`: the Python package its backend imports, and how to get it;
    * `converters`: ``((package, how to get it), ...)`` its exporter needs beside TensorFlow;
    * `unsupported`: ``{decoding: why this runtime cannot run it}``; it runs the others;
    * `forms`: the model forms it loads, the default first; ``()`` when its converter picks
      the graph (then a variant or an export names no form);
    * `form_limits`: ``{(decoding, form): why that form cannot hold that decoding}``;
    * `knobs`: its run knobs, in the order its flags and its schema list them;
    * `compiled`: its backend compiles code for the CPU it runs on, so the image's last
      build step (``python -m g2p.prepare``) calls its module's ``prepare(model_dir,
      metadata)`` to compile ahead of time, and a container starts with that code ready;
    * `target`: a compiled runtime's target CPU (LLVM's name), the same on every build host,
      so an image runs on any CPU with that level's features (its load refuses others);
      images carry it as the label ``tfopt.compiled_for``;
    * `early_stop`: the decodings it can end early, once every row of the batch has emitted
      <EOS> (the whole batch kept: exact; docs/runtimes.md "Early stop"), when a variant sets
      ``early_stop: true``. Variants asking it of any other decoding are refused.
    """

    def __new__(cls, name, package, install, converters=(), unsupported=None, forms=(),
                form_limits=None, knobs=(), compiled=False, target=None, early_stop=()):
        unsupported = dict(unsupported or {})
        form_limits = dict(form_limits or {})
        for decoding in unsupported:
            if decoding not in DECODINGS:
                raise ValueError("runtime %s: unknown decoding %r" % (name, decoding))
        for decoding, form in form_limits:
            if decoding not in DECODINGS or form not in forms:
                raise ValueError("runtime %s: form limit on unknown (%r, %r)" % (name, decoding, form))
        for decoding in early_stop:
            if decoding not in DECODINGS or decoding in unsupported:
                raise ValueError("runtime %s: early stop of decoding %r, which it does not run"
                                 % (name, decoding))
        for knob in knobs:
            if knob.runtime != name:
                raise ValueError("knob %s names runtime %r, in the spec of %s"
                                 % (knob.key, knob.runtime, name))
        return super(RuntimeSpec, cls).__new__(cls, name, package, install, tuple(converters),
                                               unsupported, tuple(forms), form_limits, tuple(knobs),
                                               bool(compiled), target, tuple(early_stop))

    @property
    def default_form(self):
        """The form an export or variant gets when it names none (None: no forms)."""
        return self.forms[0] if self.forms else None


_NO_VARIABLES = ("the %s graph holds its weights as constants (no variables to save); "
                 "use form frozen, optimized or checkpoint")

SPECS = (
    RuntimeSpec(
        "tensorflow", "tensorflow", "pip install tensorflow-cpu (or the variant's TensorFlow wheel)",
        forms=("checkpoint", "savedmodel", "frozen", "optimized"),
        form_limits={("loop", "savedmodel"): _NO_VARIABLES % "loop",
                     ("incremental", "savedmodel"): _NO_VARIABLES % "incremental"},
        knobs=(
            Knob("threads.intra_op", "tensorflow", int, 0, minimum=0,
                 help="intra_op_parallelism_threads: threads one op may use (0 = TensorFlow's default)"),
            Knob("threads.inter_op", "tensorflow", int, 0, minimum=0,
                 help="inter_op_parallelism_threads: ops run concurrently (0 = TensorFlow's default)"),
            Knob("grappler", "tensorflow", bool, True,
                 help="TensorFlow's graph optimizer (Grappler meta-optimizer) when the session first runs"),
            Knob("xla", "tensorflow", bool, False,
                 help="XLA auto-clustering for the whole session (global_jit_level ON_1)"),
        ),
        early_stop=DECODINGS),
    RuntimeSpec(
        "onnxruntime", "onnxruntime", "pip install onnxruntime==1.32.*",
        converters=(("tf2onnx", "pip install tf2onnx==1.17.*"), ("onnx", "pip install onnx")),
        knobs=(
            Knob("onnxruntime.intra_op", "onnxruntime", int, 1, minimum=0,
                 help="SessionOptions.intra_op_num_threads (0 = ONNX Runtime's default)"),
            Knob("onnxruntime.inter_op", "onnxruntime", int, 1, minimum=0,
                 help="SessionOptions.inter_op_num_threads (0 = ONNX Runtime's default)"),
            Knob("onnxruntime.optimization", "onnxruntime", str, "all",
                 choices=("disable", "basic", "extended", "all"),
                 help="SessionOptions.graph_optimization_level"),
            Knob("onnxruntime.execution_mode", "onnxruntime", str, "sequential",
                 choices=("sequential", "parallel"), help="SessionOptions.execution_mode"),
        ),
        early_stop=DECODINGS),
    RuntimeSpec(
        "openvino", "openvino", "pip install openvino==2026.4.*",
        converters=(("openvino", "pip install openvino==2026.4.*"),),
        knobs=(
            Knob("openvino.threads", "openvino", int, 1, minimum=0,
                 help="INFERENCE_NUM_THREADS (0 = the CPU plugin's default)"),
            Knob("openvino.streams", "openvino", int, 1, minimum=1, help="NUM_STREAMS"),
            Knob("openvino.hint", "openvino", str, "latency", choices=("latency", "throughput", "none"),
                 help="PERFORMANCE_HINT (none = not set)"),
            Knob("openvino.precision", "openvino", str, "f32", choices=("f32", "default"),
                 help="INFERENCE_PRECISION_HINT: f32, or the plugin's own default (bf16 on "
                      "AVX512_BF16 CPUs: changes predictions)"),
        ),
        early_stop=DECODINGS),
    RuntimeSpec(
        "numpy", "numpy", "pip install numpy",
        unsupported={
            "rerun": "the numpy runtime computes each decoder position once from cached state "
                     "(incremental); recomputing the whole network 20 times in Python would only "
                     "reproduce TensorFlow's call pattern, 20x slower; use decoding incremental",
            "loop": "numpy has no graph to hold a loop: a 'loop' would be the same Python loop "
                    "as incremental; use decoding incremental",
        },
        early_stop=("incremental",)),
    RuntimeSpec(
        "numba", "numba", "pip install numba==0.68.*",
        unsupported={
            "rerun": "the numba runtime compiles the incremental decode (encoder once, one decoder "
                     "position per step) into one call; g2p_en's 20 reruns of the whole network "
                     "are what it removes; use decoding incremental",
            "loop": "the numba runtime's incremental decoding already runs the whole loop in one "
                    "compiled call; use decoding incremental",
        },
        knobs=(
            Knob("numba.fastmath", "numba", bool, False, inexact=True,
                 help="compile the decode with fastmath (reassociated sums, approximate "
                      "transcendentals): may change predictions. The kernel is single-threaded "
                      "(no parallel loops), so numba has no thread knob here"),
        ),
        compiled=True, target="x86-64-v3", early_stop=("incremental",)),
    RuntimeSpec(
        "jax", "jax", "pip install jax==0.10.2 jaxlib==0.10.2",
        unsupported={
            "rerun": "the jax runtime compiles the whole incremental decode into one XLA "
                     "program; rerunning the full network 20 times would throw that away; use "
                     "decoding incremental",
            "loop": "the jax runtime's incremental decoding is already one call (one XLA "
                    "while loop); use decoding incremental",
        },
        knobs=(
            Knob("jax.fast_math", "jax", bool, False, inexact=True,
                 help="XLA_FLAGS --xla_cpu_enable_fast_math (reassociation, approximate "
                      "functions: may change predictions)"),
            Knob("jax.multi_thread_eigen", "jax", bool, False,
                 help="XLA_FLAGS --xla_cpu_multi_thread_eigen: Eigen's thread pool for dots "
                      "(off = the calling thread only)"),
        ),
        compiled=True, early_stop=("incremental",)),
)

RUNTIMES = tuple(s.name for s in SPECS)
FORMS = tuple(dict.fromkeys(f for s in SPECS for f in s.forms))   # every runtime's, in order
_BY_NAME = {s.name: s for s in SPECS}


def spec(runtime):
    """The RuntimeSpec of `runtime` (KeyError if there is none)."""
    return _BY_NAME[runtime]

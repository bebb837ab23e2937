"""The one declaration of run knobs, per runtime (pure Python 3.7+, no third-party imports).

PROVISIONAL host-side copy written against CONTRACT-8; h8-g2p's module replaces it.
"""

import argparse


class Knob(object):
    __slots__ = ("key", "runtime", "type", "default", "choices", "minimum", "help")

    def __init__(self, key, runtime, type, default, choices=None, minimum=None, help=""):
        self.key, self.runtime, self.type, self.default = key, runtime, type, default
        self.choices, self.minimum, self.help = choices, minimum, help

    def __repr__(self):
        return "Knob(%r, %r)" % (self.key, self.runtime)


KNOBS = (
    Knob("threads.intra_op", "tensorflow", int, 0, minimum=0,
         help="intra_op_parallelism_threads (0 = TensorFlow's default)"),
    Knob("threads.inter_op", "tensorflow", int, 0, minimum=0,
         help="inter_op_parallelism_threads (0 = TensorFlow's default)"),
    Knob("grappler", "tensorflow", bool, True, help="Grappler graph optimizations"),
    Knob("xla", "tensorflow", bool, False, help="XLA JIT (global_jit_level ON_1)"),
    Knob("onnxruntime.intra_op", "onnxruntime", int, 1, minimum=0, help="intra_op_num_threads"),
    Knob("onnxruntime.inter_op", "onnxruntime", int, 1, minimum=0, help="inter_op_num_threads"),
    Knob("onnxruntime.optimization", "onnxruntime", str, "all",
         choices=("disable", "basic", "extended", "all"), help="graph optimization level"),
    Knob("onnxruntime.execution_mode", "onnxruntime", str, "sequential",
         choices=("sequential", "parallel"), help="execution mode"),
    Knob("openvino.threads", "openvino", int, 1, minimum=0, help="INFERENCE_NUM_THREADS (0 = plugin default)"),
    Knob("openvino.streams", "openvino", int, 1, minimum=1, help="NUM_STREAMS"),
    Knob("openvino.hint", "openvino", str, "latency", choices=("latency", "throughput", "none"),
         help="PERFORMANCE_HINT"),
    Knob("openvino.precision", "openvino", str, "f32", choices=("f32", "default"),
         help="INFERENCE_PRECISION_HINT (default = the plugin's own choice: bf16 on AVX512_BF16 CPUs)"),
)


def knobs_for(runtime):
    return tuple(k for k in KNOBS if k.runtime == runtime)


def flag(knob):
    return "--" + knob.key.replace(".", "-").replace("_", "-")


def add_arguments(parser, runtime=None):
    for knob in KNOBS if runtime is None else knobs_for(runtime):
        if knob.type is bool:
            parser.add_argument(flag(knob), choices=("on", "off"), default="on" if knob.default else "off",
                                help=knob.help)
        else:
            parser.add_argument(flag(knob), type=knob.type, choices=knob.choices, default=knob.default,
                                help=knob.help)
    return parser


def settings_schema():
    props = {}
    for knob in KNOBS:
        if knob.type is bool:
            props[knob.key] = {"type": "boolean"}
        elif knob.type is int:
            props[knob.key] = {"type": "integer", "minimum": knob.minimum or 0}
        else:
            props[knob.key] = {"enum": list(knob.choices)}
    return {"type": "object", "properties": props}

"""TensorFlow graphs of each decoding, as frozen GraphDefs (imports TensorFlow).

* rerun: the checkpoint's own graph, frozen (``convert_variables_to_constants``) down to
  an Identity ``preds`` (inputs ``grapheme``, ``phoneme``);
* loop / incremental: built here from the checkpoint's values (see build_graph_def);
  input ``grapheme`` int32 [n, 20], output ``preds`` int32 [n, 20].

The network is written with the very ops g2p_en's graph runs (GRUCell: concat, MatMul,
BiasAdd, Sigmoid, Split, Tanh; dynamic_rnn's copy-through Select past a word's length;
ReverseSequence for the backward direction; BahdanauAttention's Tensordot keys, masked
score and Softmax; AttentionWrapper's BatchMatMul context and attention layer), in the
same order, so each value is computed exactly as in the checkpoint graph:

* ``loop``: a tf.while_loop of MAXLEN iterations; iteration j runs the whole network
  (encoder unrolled over the 20 positions, decoder fed the predictions so far) and keeps
  position j, as g2p_en's 20 session.run calls did, in one call;
* ``incremental``: the encoder once, then the decoder unrolled over the 20 positions, each
  fed the previous position's prediction (its GRU state and attention vector carried
  over), so every position is computed once. No control flow: a plain static graph.

With ``early_stop`` (docs/runtimes.md "Early stop"), the decode is a tf.while_loop whose
condition also ends it once every row of the batch has emitted <EOS> (columns after the
stop stay 0); for ``incremental`` the encoder is a tf.while_loop too, over the batch's
longest word (the positions past a word's length are copy-through: state kept, output 0).
The whole batch is kept, so every value computed is the one the full decode computes.
Such a graph has a second output, ``steps`` (int32 scalar): the decoder steps it ran
(decoder positions for incremental, whole-network runs for loop).

Exporters (g2p/exporters/) use :func:`frozen_graph_def` as their TensorFlow source.
"""

from .checkpoint import (CHECKPOINT_OUTPUT, checkpoint_prefix, read_checkpoint_arrays,
                         restore_checkpoint, tf_v1)
from .errors import ModelError
from .vocab import EOS, GRAPHEMES, HIDDEN, MAXLEN

STEPS = "steps"   # an early-stop graph's second output: the decoder steps it ran


def inputs_of(decoding):
    """Input placeholder names of `decoding`'s graph."""
    return ("grapheme", "phoneme") if decoding == "rerun" else ("grapheme",)


def freeze_checkpoint(weights_dir):
    """(frozen GraphDef of the checkpoint graph with output ``preds``, checkpoint node count)."""
    graph, session = restore_checkpoint(weights_dir)
    v1 = tf_v1()
    try:
        nodes = len(graph.as_graph_def().node)
        with graph.as_default():
            preds = v1.identity(graph.get_tensor_by_name(CHECKPOINT_OUTPUT), name="preds")
        if preds.op.name != "preds":
            raise ModelError("the checkpoint graph already has a node named preds")
        frozen = v1.graph_util.convert_variables_to_constants(session, graph.as_graph_def(), ["preds"])
    finally:
        session.close()
    return frozen, nodes


def outputs_of(decoding, early_stop):
    """Output node names of `decoding`'s graph (rerun's early stop is the procedure's loop)."""
    return ("preds", STEPS) if early_stop and decoding != "rerun" else ("preds",)


def frozen_graph_def(decoding, weights_dir, early_stop=False):
    """(frozen GraphDef of `decoding`, node count of the graph it came from)."""
    if decoding == "rerun":
        return freeze_checkpoint(weights_dir)
    graph_def = build_graph_def(decoding, read_checkpoint_arrays(checkpoint_prefix(weights_dir)),
                                early_stop)
    return graph_def, len(graph_def.node)



ENC = "bidirectional_rnn/%s/gru_cell/"
DEC = "rnn/attention_wrapper/"


class _Ops(object):
    """The network's pieces as TensorFlow ops on constant weights (inside a graph context)."""

    def __init__(self, v1, weights):
        import numpy as np

        self.v1 = v1
        c = lambda name: v1.constant(np.asarray(weights[name], np.float32))  # noqa: E731
        self.enc = {d: [c(ENC % d + k) for k in ("gates/kernel", "gates/bias", "candidate/kernel",
                                                 "candidate/bias")] for d in ("fw", "bw")}
        self.dec = [c(DEC + "gru_cell/" + k) for k in ("gates/kernel", "gates/bias",
                                                      "candidate/kernel", "candidate/bias")]
        self.memory_layer = c("memory_layer/kernel")
        self.query_layer = c(DEC + "bahdanau_attention/query_layer/kernel")
        self.attention_v = c(DEC + "bahdanau_attention/attention_v")
        self.attention_layer = c(DEC + "attention_layer/kernel")
        self.dense = c("dense/kernel")
        self.dense_bias = c("dense/bias")
        self.n_graphemes = len(GRAPHEMES)
        self.n_phonemes = int(weights["dense/bias"].shape[0])

    def gru(self, inputs, state, kernels):
        """TensorFlow's GRUCell.call."""
        v1 = self.v1
        gate_kernel, gate_bias, candidate_kernel, candidate_bias = kernels
        gate_inputs = v1.nn.bias_add(v1.matmul(v1.concat([inputs, state], 1), gate_kernel), gate_bias)
        r, u = v1.split(value=v1.sigmoid(gate_inputs), num_or_size_splits=2, axis=1)
        candidate = v1.nn.bias_add(v1.matmul(v1.concat([inputs, r * state], 1), candidate_kernel),
                                   candidate_bias)
        c = v1.tanh(candidate)
        return u * state + (1 - u) * c

    def rnn(self, inputs, lengths, kernels):
        """dynamic_rnn with sequence_length, unrolled: outputs [n, T, H] (0 past a length)."""
        v1 = self.v1
        state = v1.zeros_like(inputs[:, 0, :1]) * v1.zeros([1, HIDDEN])  # [n, H] zeros
        zero_output = state
        outputs = []
        for t in range(MAXLEN):
            new_state = self.gru(inputs[:, t], state, kernels)
            copy = t >= lengths
            outputs.append(v1.where(copy, zero_output, new_state))
            state = v1.where(copy, state, new_state)
        return v1.stack(outputs, axis=1)

    def rnn_to_longest(self, inputs, lengths, kernels):
        """rnn's outputs, from a tf.while_loop over the batch's longest length only.

        Time-major [T, n, H] inside the loop, so that position t is a row Select: no
        arithmetic touches a value. Positions past the longest word keep their zeros,
        which is what rnn outputs there."""
        v1 = self.v1
        n = v1.shape(inputs)[0]
        state = v1.zeros(v1.stack([n, HIDDEN]))
        zero_output = state
        columns = v1.range(MAXLEN)

        def body(t, state, outputs):
            new_state = self.gru(inputs[:, t], state, kernels)
            copy = t >= lengths
            output = v1.where(copy, zero_output, new_state)
            outputs = v1.where(v1.equal(columns, t), v1.tile(v1.expand_dims(output, 0), [MAXLEN, 1, 1]),
                               outputs)
            return t + 1, v1.where(copy, state, new_state), outputs

        longest = v1.reduce_max(lengths)
        _, _, outputs = v1.while_loop(lambda t, state, outputs: t < longest, body,
                                      [v1.constant(0), state, v1.zeros(v1.stack([MAXLEN, n, HIDDEN]))])
        return v1.transpose(outputs, [1, 0, 2])

    def encode(self, grapheme, early_stop=False):
        """(values [n,T,2H] masked memory, keys [n,T,H], score mask [n,T], lengths [n])."""
        v1 = self.v1
        rnn = self.rnn_to_longest if early_stop else self.rnn
        lengths = v1.reduce_sum(v1.sign(grapheme), -1)
        inputs = v1.one_hot(grapheme, self.n_graphemes)
        forward = rnn(inputs, lengths, self.enc["fw"])
        reversed_inputs = v1.reverse_sequence(inputs, lengths, seq_axis=1, batch_axis=0)
        backward = v1.reverse_sequence(rnn(reversed_inputs, lengths, self.enc["bw"]),
                                       lengths, seq_axis=1, batch_axis=0)
        memory = v1.concat([forward, backward], 2)
        mask = v1.sequence_mask(lengths, maxlen=MAXLEN, dtype=v1.float32)
        values = memory * v1.expand_dims(mask, 2)
        keys = v1.tensordot(values, self.memory_layer, [[2], [0]])
        score_mask = v1.sequence_mask(lengths, maxlen=MAXLEN)
        return values, keys, score_mask

    def decoder_step(self, inputs, h, attention, encoded):
        """AttentionWrapper.call (Bahdanau, output_attention): (h, attention)."""
        v1 = self.v1
        values, keys, score_mask = encoded
        h = self.gru(v1.concat([inputs, attention], -1), h, self.dec)
        query = v1.expand_dims(v1.matmul(h, self.query_layer), 1)
        score = v1.reduce_sum(self.attention_v * v1.tanh(keys + query), [2])
        score = v1.where(score_mask, score, float("-inf") * v1.ones_like(score))
        alignments = v1.nn.softmax(score)
        context = v1.squeeze(v1.matmul(v1.expand_dims(alignments, 1), values), [1])
        attention = v1.matmul(v1.concat([h, context], 1), self.attention_layer)
        return h, attention

    def zero_state(self, encoded):
        zeros = self.v1.zeros_like(encoded[1][:, 0, :])  # [n, H]
        return zeros, zeros

    def full_network(self, grapheme, phoneme):
        """The checkpoint graph: logits argmax [n, T] for decoder input phoneme (shifted)."""
        v1 = self.v1
        encoded = self.encode(grapheme)
        decoder_inputs = v1.one_hot(v1.concat((v1.zeros_like(phoneme[:, :1]), phoneme[:, :-1]), -1),
                                    self.n_phonemes)
        h, attention = self.zero_state(encoded)
        outputs = []
        for t in range(MAXLEN):
            h, attention = self.decoder_step(decoder_inputs[:, t], h, attention, encoded)
            outputs.append(attention)
        logits = v1.nn.bias_add(v1.tensordot(v1.stack(outputs, axis=1), self.dense, [[2], [0]]),
                                self.dense_bias)
        return v1.cast(v1.argmax(logits, -1), v1.int32)

    def incremental(self, grapheme):
        v1 = self.v1
        encoded = self.encode(grapheme)
        h, attention = self.zero_state(encoded)
        prev = v1.zeros_like(grapheme[:, 0])
        preds = []
        for _ in range(MAXLEN):
            h, attention = self.decoder_step(v1.one_hot(prev, self.n_phonemes), h, attention, encoded)
            logits = v1.nn.bias_add(v1.matmul(attention, self.dense), self.dense_bias)
            prev = v1.cast(v1.argmax(logits, -1), v1.int32)
            preds.append(prev)
        return v1.stack(preds, axis=1)

    def _unfinished(self, j, done):
        """The early-stop loop condition: steps left, and a row that has not emitted <EOS>."""
        v1 = self.v1
        return v1.logical_and(j < MAXLEN, v1.logical_not(v1.reduce_all(done)))

    def incremental_early_stop(self, grapheme):
        """(preds, steps): incremental in a tf.while_loop that ends once every row emitted <EOS>."""
        v1 = self.v1
        encoded = self.encode(grapheme, early_stop=True)
        h, attention = self.zero_state(encoded)
        prev = v1.zeros_like(grapheme[:, 0])
        columns = v1.range(MAXLEN)

        def body(j, prev, h, attention, done, preds):
            h, attention = self.decoder_step(v1.one_hot(prev, self.n_phonemes), h, attention, encoded)
            logits = v1.nn.bias_add(v1.matmul(attention, self.dense), self.dense_bias)
            prev = v1.cast(v1.argmax(logits, -1), v1.int32)
            keep = v1.cast(v1.equal(columns, j), v1.int32)   # [T]: 1 at column j
            preds = preds * (1 - keep) + v1.expand_dims(prev, 1) * keep
            return j + 1, prev, h, attention, v1.logical_or(done, v1.equal(prev, EOS)), preds

        steps, _, _, _, _, preds = v1.while_loop(
            lambda j, prev, h, attention, done, preds: self._unfinished(j, done), body,
            [v1.constant(0), prev, h, attention, v1.equal(prev, -1), v1.zeros_like(grapheme)])
        return preds, steps

    def loop(self, grapheme, early_stop=False):
        """preds, or (preds, steps) with `early_stop`: the loop also ends once every row of
        the predictions so far holds an <EOS>."""
        v1 = self.v1
        columns = v1.range(MAXLEN)

        def body(j, preds):
            out = self.full_network(grapheme, preds)
            keep = v1.cast(v1.equal(columns, j), v1.int32)   # [T]: 1 at column j
            return j + 1, preds * (1 - keep) + out * keep

        def cond(j, preds):
            if not early_stop:
                return j < MAXLEN
            return self._unfinished(j, v1.reduce_any(v1.equal(preds, EOS), 1))

        steps, preds = v1.while_loop(cond, body, [v1.constant(0), v1.zeros_like(grapheme)])
        return (preds, steps) if early_stop else preds


def build_graph_def(decoding, weights, early_stop=False):
    """The GraphDef of `decoding` ("loop" or "incremental") with `weights` as constants."""
    if decoding not in ("loop", "incremental"):
        raise ModelError("no built graph for decoding %r" % (decoding,))
    v1 = tf_v1()
    graph = v1.Graph()
    with graph.as_default():
        ops = _Ops(v1, weights)
        grapheme = v1.placeholder(v1.int32, (None, MAXLEN), name="grapheme")
        if early_stop:
            preds, steps = (ops.loop(grapheme, early_stop=True) if decoding == "loop"
                            else ops.incremental_early_stop(grapheme))
            v1.identity(steps, name=STEPS)
        else:
            preds = ops.loop(grapheme) if decoding == "loop" else ops.incremental(grapheme)
        v1.identity(preds, name="preds")
    return graph.as_graph_def()

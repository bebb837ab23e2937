"""Runtime ``numpy``: g2p_en 1.0.0's network written with NumPy arrays (a readable reference).

The network (sizes from the checkpoint; G = 29 graphemes, P = 72 phonemes, H = 128):

* encoder: graphemes one-hot (G) -> bidirectional GRU (H each way) over the word's
  length L = number of non-padding graphemes (tf.nn.bidirectional_dynamic_rnn with
  sequence_length): forward over 0..L-1, backward over L-1..0; outputs past L are 0;
  memory = concat(forward, backward) (2H), keys = memory @ memory_layer (2H -> H).
* decoder, per position j (tf.contrib.seq2seq.AttentionWrapper around a GRUCell,
  Bahdanau attention, attention_layer_size H, output_attention True):
  input = concat(one-hot(previous phoneme, P), previous attention vector a (H));
  h = GRU(input, h); scores_t = v . tanh(keys_t + h @ query_layer), -inf past L;
  alignments = softmax(scores); context = alignments @ memory (2H);
  a = concat(h, context) @ attention_layer (3H -> H); logits = a @ dense + bias (P);
  prediction = argmax(logits). The first previous phoneme is 0 (<PAD>), h = a = 0.

GRU (TensorFlow's GRUCell): r, u = sigmoid([x, h] @ Wg + bg); c = tanh([x, r*h] @ Wc + bc);
h' = u*h + (1-u)*c.

The one-hot products are row look-ups here (the same numbers as the matrix product).
Decoding ``incremental`` only: the encoder once, then one decoder position per step.
Weights come from ``weights.npz`` (written by ``python -m g2p.export --runtime numpy``,
checkpoint variable names as keys), so this runtime needs only NumPy.
"""

from pathlib import Path

import numpy as np

from . import Backend, require_files

WEIGHTS_FILE = "weights.npz"
ENC = "bidirectional_rnn/%s/gru_cell/"
DEC = "rnn/attention_wrapper/"


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network(object):
    """The weights, arranged for the computation above (all float32)."""

    def __init__(self, w):
        f32 = np.float32
        n_graphemes = 29
        # Encoder, both directions stacked on axis 0 (0 = forward, 1 = backward).
        gk = np.stack([w[ENC % d + "gates/kernel"] for d in ("fw", "bw")]).astype(f32)
        gb = np.stack([w[ENC % d + "gates/bias"] for d in ("fw", "bw")]).astype(f32)
        ck = np.stack([w[ENC % d + "candidate/kernel"] for d in ("fw", "bw")]).astype(f32)
        cb = np.stack([w[ENC % d + "candidate/bias"] for d in ("fw", "bw")]).astype(f32)
        self.enc_gates_x = gk[:, :n_graphemes] + gb[:, None, :]       # [2, G, 2H]
        self.enc_gates_h = np.ascontiguousarray(gk[:, n_graphemes:])   # [2, H, 2H]
        self.enc_cand_x = ck[:, :n_graphemes] + cb[:, None, :]        # [2, G, H]
        self.enc_cand_h = np.ascontiguousarray(ck[:, n_graphemes:])    # [2, H, H]
        self.memory_layer = w["memory_layer/kernel"].astype(f32)      # [2H, H]
        n_phonemes = w["dense/bias"].shape[0]
        dgk = w[DEC + "gru_cell/gates/kernel"].astype(f32)            # [P+H+H, 2H]
        dck = w[DEC + "gru_cell/candidate/kernel"].astype(f32)        # [P+H+H, H]
        self.dec_gates_x = dgk[:n_phonemes] + w[DEC + "gru_cell/gates/bias"].astype(f32)
        self.dec_gates_ah = np.ascontiguousarray(dgk[n_phonemes:])    # rows: [a; h]
        self.dec_cand_x = dck[:n_phonemes] + w[DEC + "gru_cell/candidate/bias"].astype(f32)
        self.dec_cand_ah = np.ascontiguousarray(dck[n_phonemes:])     # rows: [a; r*h]
        self.query_layer = w[DEC + "bahdanau_attention/query_layer/kernel"].astype(f32)
        self.attention_v = w[DEC + "bahdanau_attention/attention_v"].astype(f32)
        self.attention_layer = w[DEC + "attention_layer/kernel"].astype(f32)  # [H+2H, H]
        self.dense = w["dense/kernel"].astype(f32)
        self.dense_bias = w["dense/bias"].astype(f32)
        self.hidden = self.query_layer.shape[0]

    def encode(self, x):
        """(memory [n,T,2H], keys [n,T,H], score mask [n,T] bool) for graphemes x [n,T]."""
        n, steps = x.shape
        lengths = (x != 0).sum(axis=1)
        t = np.arange(steps)
        valid = t[None, :] < lengths[:, None]                          # [n, T]
        # Backward direction reads each word reversed within its length.
        rev_index = np.where(valid, lengths[:, None] - 1 - t[None, :], t[None, :])
        tokens = np.stack([x, np.take_along_axis(x, rev_index, axis=1)])   # [2, n, T]
        gx = self.enc_gates_x[np.arange(2)[:, None, None], tokens]    # [2, n, T, 2H]
        cx = self.enc_cand_x[np.arange(2)[:, None, None], tokens]     # [2, n, T, H]
        H = self.hidden
        h = np.zeros((2, n, H), np.float32)
        out = np.zeros((2, n, steps, H), np.float32)
        last = int(lengths.max()) if n else 0
        gates_h, cand_h = self.enc_gates_h, self.enc_cand_h
        for j in range(last):
            live = valid[:, j][:, None]
            for d in (0, 1):   # 2-D products only: NumPy < 1.17 has no BLAS for stacked matmul
                gates = _sigmoid(gx[d, :, j] + np.dot(h[d], gates_h[d]))
                r, u = gates[:, :H], gates[:, H:]
                c = np.tanh(cx[d, :, j] + np.dot(r * h[d], cand_h[d]))
                new_h = u * h[d] + (1.0 - u) * c
                h[d] = np.where(live, new_h, h[d])
                out[d, :, j] = np.where(live, new_h, 0.0)
        backward = np.take_along_axis(out[1], rev_index[:, :, None], axis=1)
        memory = np.concatenate([out[0], backward], axis=-1)           # [n, T, 2H]
        keys = np.dot(memory.reshape(n * steps, 2 * H), self.memory_layer).reshape(n, steps, H)
        return memory, keys, valid

    def step(self, state, prev):
        """One decoder position: (predictions [n], new state) from the previous phonemes."""
        memory, keys, valid, h, a = state
        H = self.hidden
        ah = np.concatenate([a, h], axis=1)
        gates = _sigmoid(self.dec_gates_x[prev] + np.dot(ah, self.dec_gates_ah))
        r, u = gates[:, :H], gates[:, H:]
        ah[:, H:] = r * h
        c = np.tanh(self.dec_cand_x[prev] + np.dot(ah, self.dec_cand_ah))
        h = u * h + (1.0 - u) * c
        n, steps = valid.shape
        query = np.dot(h, self.query_layer)
        scores = np.dot(np.tanh(keys + query[:, None, :]).reshape(n * steps, H),
                        self.attention_v).reshape(n, steps)
        scores = np.where(valid, scores, -np.inf)
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        alignments = e / e.sum(axis=1, keepdims=True)
        context = np.einsum("nt,ntk->nk", alignments, memory)
        a = np.dot(np.concatenate([h, context], axis=1), self.attention_layer)
        logits = np.dot(a, self.dense) + self.dense_bias
        return logits.argmax(axis=1).astype(np.int32), (memory, keys, valid, h, a)

    def initial_state(self, x):
        memory, keys, valid = self.encode(x)
        zeros = np.zeros((x.shape[0], self.hidden), np.float32)
        return memory, keys, valid, zeros, zeros.copy()


class NumpyBackend(Backend):
    runtime = "numpy"
    one_call = False

    def __init__(self, network):
        self.network = network

    def encode(self, x):
        return self.network.initial_state(np.asarray(x))

    def step(self, state, prev):
        return self.network.step(state, np.asarray(prev))

    def version(self):
        return np.__version__


def read_weights(path):
    with np.load(str(path)) as data:
        return {name: data[name] for name in data.files}


def load(model_dir, metadata, settings):
    require_files(model_dir, metadata, [WEIGHTS_FILE])
    return NumpyBackend(Network(read_weights(Path(model_dir) / WEIGHTS_FILE)))

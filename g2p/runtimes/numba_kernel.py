"""The numba runtime's compiled decode: encoder and decoder loop in one ``@njit`` call.

The same network as :mod:`g2p.runtimes.numpy` (read its docstring), computed row by row
where rows differ in length and batched where they do not:

* the encoder runs each word over its own length only (the reference's outputs past the
  length are zeros that attention masks away), keys only for those positions;
* each decoder step runs the batch's GRU, query, attention projection and output layer as
  one product per weight matrix, with the output dimension innermost and the reduction
  dimension outermost, so a weight row is read once per step for the whole batch and the
  inner loop is a contiguous multiply-add LLVM vectorizes without reassociating a sum;
* attention runs per row over that word's own positions, its tanh terms vectorized over
  the attention units before the in-order sum (masked positions would add
  exp(-inf) = 0 to the softmax, so skipping them changes no number);
* every buffer is allocated before the step loop.

Each output is accumulated as TensorFlow's graph writes it: the one-hot row first, then
the dense inputs in order, then the bias. ``early_stop``: the loop ends once every row has
emitted <EOS> (the whole batch kept, so no number before the stop changes; the columns
after it stay 0, <PAD>, as in every runtime's early stop; decode() never reads them).

This module imports numba at import time; :mod:`g2p.runtimes.numba` sets numba's cache
directory and target CPU before importing it. Two kernels come from one body:
``decode_exact`` and ``decode_fastmath`` (the inexact knob), each cached under its own name.
"""

import types

import numpy as np
from numba import njit

from ..vocab import EOS


@njit(inline="always")
def _sigmoid(x):
    """Eigen's float logistic (scalar_logistic_op<float>, TensorFlow's CPU sigmoid): a [9/10]
    rational function of x clamped to +-18, plus 1/2; within 2.1e-7 of the exact value
    (libm's 1/(1+expf(-x)): 0.9e-7). No call, so loops vectorize."""
    x = min(max(x, np.float32(-18.0)), np.float32(18.0))
    x2 = x * x
    p = x2 * np.float32(4.37031012579801e-11) + np.float32(1.15627324459942e-07)
    p = x2 * p + np.float32(6.08574864600143e-05)
    p = x2 * p + np.float32(8.51377133304701e-03)
    p = x2 * p + np.float32(2.48287947061529e-01)
    p = x * p
    q = x2 * np.float32(6.10247389755681e-13) + np.float32(5.76102136993427e-09)
    q = x2 * q + np.float32(6.29106785017040e-06)
    q = x2 * q + np.float32(1.70198817374094e-03)
    q = x2 * q + np.float32(1.16817656904453e-01)
    q = x2 * q + np.float32(9.93151921023180e-01)
    return min(max(p / q + np.float32(0.5), np.float32(0.0)), np.float32(1.0))


@njit(inline="always")
def _tanh(x):
    """TensorFlow's float tanh on CPU (Eigen's generic_fast_tanh_float): a [13/6] rational
    function of x clamped to +-7.9053, x itself below 0.0004; within 3.6e-7 of the exact
    value (libm's tanhf: 0.6e-7). No call, so loops vectorize."""
    clamp = np.float32(7.90531110763549805)
    tiny = abs(x) < np.float32(0.0004)
    small = x
    x = min(max(x, -clamp), clamp)
    x2 = x * x
    p = x2 * np.float32(-2.76076847742355e-16) + np.float32(2.00018790482477e-13)
    p = x2 * p + np.float32(-8.60467152213735e-11)
    p = x2 * p + np.float32(5.12229709037114e-08)
    p = x2 * p + np.float32(1.48572235717979e-05)
    p = x2 * p + np.float32(6.37261928875436e-04)
    p = x2 * p + np.float32(4.89352455891786e-03)
    p = x * p
    q = x2 * np.float32(1.19825839466702e-06) + np.float32(1.18534705686654e-04)
    q = x2 * q + np.float32(2.26843463243900e-03)
    q = x2 * q + np.float32(4.89352518554385e-03)
    return small if tiny else p / q


@njit(inline="always")
def _rows_times(out, rows, weights, n):
    """out[i, j] += sum_k rows[i, k] * weights[k, j] for i < n, each sum in order of k.

    Sixteen weight rows at a time (16 KiB at 256 columns, read from L1 by every row i),
    the partial sum kept in a register over those sixteen terms: one load and one store
    of out per sixteen multiply-adds, the same additions in the same order as k one by one.
    (2-D indexing: row views in this loop stop LLVM from vectorizing it.)"""
    depth, width = weights.shape
    k = 0
    while k + 16 <= depth:
        for i in range(n):
            v0 = rows[i, k + 0]
            v1 = rows[i, k + 1]
            v2 = rows[i, k + 2]
            v3 = rows[i, k + 3]
            v4 = rows[i, k + 4]
            v5 = rows[i, k + 5]
            v6 = rows[i, k + 6]
            v7 = rows[i, k + 7]
            v8 = rows[i, k + 8]
            v9 = rows[i, k + 9]
            v10 = rows[i, k + 10]
            v11 = rows[i, k + 11]
            v12 = rows[i, k + 12]
            v13 = rows[i, k + 13]
            v14 = rows[i, k + 14]
            v15 = rows[i, k + 15]
            for j in range(width):
                acc = out[i, j]
                acc += v0 * weights[k + 0, j]
                acc += v1 * weights[k + 1, j]
                acc += v2 * weights[k + 2, j]
                acc += v3 * weights[k + 3, j]
                acc += v4 * weights[k + 4, j]
                acc += v5 * weights[k + 5, j]
                acc += v6 * weights[k + 6, j]
                acc += v7 * weights[k + 7, j]
                acc += v8 * weights[k + 8, j]
                acc += v9 * weights[k + 9, j]
                acc += v10 * weights[k + 10, j]
                acc += v11 * weights[k + 11, j]
                acc += v12 * weights[k + 12, j]
                acc += v13 * weights[k + 13, j]
                acc += v14 * weights[k + 14, j]
                acc += v15 * weights[k + 15, j]
                out[i, j] = acc
        k += 16
    while k < depth:
        for i in range(n):
            v0 = rows[i, k]
            for j in range(width):
                out[i, j] += v0 * weights[k, j]
        k += 1


def _decode(x, enc_gx, enc_gh, enc_gb, enc_cx, enc_ch, enc_cb, memory_layer,
            dec_gx, dec_gah, dec_gb, dec_cx, dec_cah, dec_cb, query_layer, attention_v,
            attention_layer, dense, dense_bias, early_stop, preds):
    n, steps = x.shape
    H = enc_ch.shape[1]
    P = dense.shape[1]
    f32 = np.float32
    lengths = np.zeros(n, np.int64)
    for i in range(n):
        for t in range(steps):
            if x[i, t] != 0:
                lengths[i] += 1

    # ---- encoder: both directions, the rows still inside their word batched per step ----
    memory = np.zeros((n, steps, 2 * H), f32)
    keys = np.zeros((n, steps, H), f32)
    h = np.zeros((n, H), f32)
    packed_h = np.zeros((n, H), f32)
    gates = np.zeros((n, 2 * H), f32)
    rh = np.zeros((n, H), f32)
    cand = np.zeros((n, H), f32)
    live = np.zeros(n, np.int64)
    last = 0
    for i in range(n):
        last = max(last, lengths[i])
    for d in range(2):
        h[:, :] = 0
        for s in range(last):
            count = 0
            for i in range(n):
                if s < lengths[i]:
                    live[count] = i
                    count += 1
            for m in range(count):
                i = live[m]
                tok = x[i, s if d == 0 else lengths[i] - 1 - s]
                gates[m, :] = enc_gx[d, tok]
                cand[m, :] = enc_cx[d, tok]
                packed_h[m, :] = h[i]
            _rows_times(gates, packed_h, enc_gh[d], count)
            for m in range(count):
                for j in range(2 * H):
                    gates[m, j] = _sigmoid(gates[m, j] + enc_gb[d, j])
                for j in range(H):
                    rh[m, j] = gates[m, j] * packed_h[m, j]
            _rows_times(cand, rh, enc_ch[d], count)
            for m in range(count):
                i = live[m]
                t = s if d == 0 else lengths[i] - 1 - s
                for j in range(H):
                    c = _tanh(cand[m, j] + enc_cb[d, j])
                    u = gates[m, H + j]
                    value = u * packed_h[m, j] + (f32(1.0) - u) * c
                    h[i, j] = value
                    memory[i, t, d * H + j] = value
    positions = 0
    for i in range(n):
        positions += lengths[i]
    packed_memory = np.zeros((positions, 2 * H), f32)
    packed_keys = np.zeros((positions, H), f32)
    m = 0
    for i in range(n):
        for t in range(lengths[i]):
            packed_memory[m, :] = memory[i, t]
            m += 1
    _rows_times(packed_keys, packed_memory, memory_layer, positions)
    m = 0
    for i in range(n):
        for t in range(lengths[i]):
            keys[i, t, :] = packed_keys[m]
            m += 1

    # ---- decoder: all rows per step ----
    ah = np.zeros((n, 2 * H), f32)         # [a, h], then [a, r*h]
    hd = np.zeros((n, H), f32)
    dgates = np.zeros((n, 2 * H), f32)
    dcand = np.zeros((n, H), f32)
    query = np.zeros((n, H), f32)
    hc = np.zeros((n, 3 * H), f32)         # [h, context]
    att = np.zeros((n, H), f32)
    logits = np.zeros((n, P), f32)
    scores = np.zeros(steps, f32)
    terms = np.zeros(H, f32)
    prev = np.zeros(n, np.int64)
    done = np.zeros(n, np.bool_)
    for step in range(steps):
        for i in range(n):
            dgates[i, :] = dec_gx[prev[i]]
            dcand[i, :] = dec_cx[prev[i]]
            ah[i, H:] = hd[i]
        _rows_times(dgates, ah, dec_gah, n)
        for i in range(n):
            for j in range(2 * H):
                dgates[i, j] = _sigmoid(dgates[i, j] + dec_gb[j])
            for j in range(H):
                ah[i, H + j] = dgates[i, j] * hd[i, j]
        _rows_times(dcand, ah, dec_cah, n)
        for i in range(n):
            for j in range(H):
                c = _tanh(dcand[i, j] + dec_cb[j])
                u = dgates[i, H + j]
                hd[i, j] = u * hd[i, j] + (f32(1.0) - u) * c
                hc[i, j] = hd[i, j]
        query[:, :] = 0
        _rows_times(query, hd, query_layer, n)
        for i in range(n):
            length = lengths[i]
            for t in range(length):
                for k in range(H):   # vectorized: 128 iterations, no sum
                    terms[k] = attention_v[k] * _tanh(keys[i, t, k] + query[i, k])
                total = f32(0.0)
                for k in range(H):
                    total += terms[k]
                scores[t] = total
            top = -np.inf
            for t in range(length):
                if scores[t] > top:
                    top = scores[t]
            total = f32(0.0)
            for t in range(length):
                scores[t] = np.exp(scores[t] - top)
                total += scores[t]
            context = hc[i, H:]
            context[:] = 0
            for t in range(length):
                alpha = scores[t] / total
                for c in range(2 * H):
                    context[c] += alpha * memory[i, t, c]
        att[:, :] = 0
        _rows_times(att, hc, attention_layer, n)
        logits[:, :] = 0
        _rows_times(logits, att, dense, n)
        finished = True
        for i in range(n):
            best = 0
            top = logits[i, 0] + dense_bias[0]
            for p in range(1, P):
                value = logits[i, p] + dense_bias[p]
                if value > top:
                    top = value
                    best = p
            preds[i, step] = best
            prev[i] = best
            ah[i, :H] = att[i]
            if best == EOS:
                done[i] = True
            finished = finished and done[i]
        if early_stop and finished:
            return step + 1
    return steps


def _named_copy(function, name):
    """`function` under another name: numba's cache keys a kernel by its qualified name."""
    copy = types.FunctionType(function.__code__, function.__globals__, name,
                              function.__defaults__, function.__closure__)
    copy.__qualname__ = name
    return copy


decode_exact = njit(cache=True, nogil=True)(_named_copy(_decode, "decode_exact"))
decode_fastmath = njit(cache=True, nogil=True, fastmath=True)(_named_copy(_decode, "decode_fastmath"))
KERNELS = {False: decode_exact, True: decode_fastmath}

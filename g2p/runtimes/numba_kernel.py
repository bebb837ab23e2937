"""The numba runtime's compiled decode: encoder and decoder loop in one ``@njit`` call.

The same network as :mod:`g2p.runtimes.numpy` (read its docstring), computed row by row
where rows differ in length and batched where they do not:

* the encoder runs each word over its own length only (the reference's outputs past the
  length are zeros that attention masks away), keys only for those positions;
* each decoder step runs the batch's GRU, query, attention projection and output layer as
  one product per weight matrix, with the output dimension innermost and the reduction
  dimension outermost, so a weight row is read once per step for the whole batch and the
  inner loop is a contiguous multiply-add LLVM vectorizes without reassociating a sum;
* attention runs per row over that word's own positions (masked positions would add
  exp(-inf) = 0 to the softmax, so skipping them changes no number);
* every buffer is allocated before the step loop.

Each output is accumulated as TensorFlow's graph writes it: the one-hot row first, then
the dense inputs in order, then the bias. ``early_stop``: the loop ends once every row has
emitted <EOS> (the whole batch kept, so no number before the stop changes; the columns
after it are <EOS>, which decode() never reads).

This module imports numba at import time; :mod:`g2p.runtimes.numba` sets numba's cache
directory and target CPU before importing it. Two kernels come from one body:
``decode_exact`` and ``decode_fastmath`` (the inexact knob), each cached under its own name.
"""

import types

import numpy as np
from numba import njit

EOS = 1


@njit(inline="always")
def _sigmoid(z):
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-z))


@njit(inline="always")
def _row_times(out, vec, weights):
    """out[j] += sum_k vec[k] * weights[k, j], k in order (out holds the first terms)."""
    for k in range(weights.shape[0]):
        v = vec[k]
        for j in range(weights.shape[1]):
            out[j] += v * weights[k, j]


@njit(inline="always")
def _rows_times(out, rows, weights, n):
    """out[i, j] += sum_k rows[i, k] * weights[k, j] for i < n, k outermost, in order."""
    for k in range(weights.shape[0]):
        for i in range(n):
            v = rows[i, k]
            for j in range(weights.shape[1]):
                out[i, j] += v * weights[k, j]


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

    # ---- encoder: each word over its own length, both directions ----
    memory = np.zeros((n, steps, 2 * H), f32)
    keys = np.zeros((n, steps, H), f32)
    h = np.zeros(H, f32)
    gates = np.zeros(2 * H, f32)
    rh = np.zeros(H, f32)
    cand = np.zeros(H, f32)
    for i in range(n):
        length = lengths[i]
        for d in range(2):
            h[:] = 0
            for s in range(length):
                t = s if d == 0 else length - 1 - s
                tok = x[i, t]
                gates[:] = enc_gx[d, tok]
                _row_times(gates, h, enc_gh[d])
                for j in range(2 * H):
                    gates[j] = _sigmoid(gates[j] + enc_gb[d, j])
                for j in range(H):
                    rh[j] = gates[j] * h[j]
                cand[:] = enc_cx[d, tok]
                _row_times(cand, rh, enc_ch[d])
                for j in range(H):
                    c = np.tanh(cand[j] + enc_cb[d, j])
                    u = gates[H + j]
                    h[j] = u * h[j] + (f32(1.0) - u) * c
                    memory[i, t, d * H + j] = h[j]
        for t in range(length):
            _row_times(keys[i, t], memory[i, t], memory_layer)

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
                c = np.tanh(dcand[i, j] + dec_cb[j])
                u = dgates[i, H + j]
                hd[i, j] = u * hd[i, j] + (f32(1.0) - u) * c
                hc[i, j] = hd[i, j]
        query[:, :] = 0
        _rows_times(query, hd, query_layer, n)
        for i in range(n):
            length = lengths[i]
            top = -np.inf
            for t in range(length):
                s = f32(0.0)
                for k in range(H):
                    s += attention_v[k] * np.tanh(keys[i, t, k] + query[i, k])
                scores[t] = s
                if s > top:
                    top = s
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
            preds[:, step + 1:] = EOS
            break


def _named_copy(function, name):
    """`function` under another name: numba's cache keys a kernel by its qualified name."""
    copy = types.FunctionType(function.__code__, function.__globals__, name,
                              function.__defaults__, function.__closure__)
    copy.__qualname__ = name
    return copy


decode_exact = njit(cache=True, nogil=True)(_named_copy(_decode, "decode_exact"))
decode_fastmath = njit(cache=True, nogil=True, fastmath=True)(_named_copy(_decode, "decode_fastmath"))
KERNELS = {False: decode_exact, True: decode_fastmath}

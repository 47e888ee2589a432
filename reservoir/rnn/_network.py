"""A stack of recurrent layers with a linear readout at every step.

Parameters live in a dict under PyTorch's names (``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``..._reverse``,
``readout.weight``, ``readout.bias``). Data are time-major ``(T, B, D)``;
sequences of a batch may have different lengths (``lengths``), padded at the
end. The per-layer, per-direction work is done by the cell kernels in
:mod:`._cells`, each a single jitted call over time; this module only
chains layers and directions with large matrix products.
"""

from __future__ import annotations

import numpy as np

from . import _cells

__all__ = ["CELLS", "POOLINGS", "Workspace", "init_params", "forward", "backward",
           "generate", "param_names"]

# How a sequence is summarised for one output per sequence (many-to-one).
POOLINGS = ("last", "mean")


class Workspace:
    """Arrays kept from one training batch to the next.

    A fresh array's pages are faulted in on first touch, about a microsecond
    per 4 KiB page here: at hidden 64 that was as much time as the LSTM's
    arithmetic. Training reuses the per-batch arrays (input projections,
    the kernels' outputs and ``dxw``) instead. Only for arrays that die with
    the batch: whatever is handed out is overwritten by the next batch.
    """

    def __init__(self):
        self._arrays = {}

    def get(self, key, shape, dtype):
        """An uninitialised C-contiguous array of ``shape`` kept under ``key``."""
        n = int(np.prod(shape))
        a = self._arrays.get(key)
        if a is None or a.size < n or a.dtype != dtype:
            a = np.empty(n, dtype=dtype)
            self._arrays[key] = a
        return a[:n].reshape(shape)


class _Cell:
    """Adapter from the uniform interface used here to one cell's kernels.

    ``forward`` returns ``(H, cache)``; ``backward(dH, cache, w_hh)`` returns
    ``(dxw, dw_hh, db_hh)``. With a :class:`Workspace` ``ws`` (and a ``key``
    naming the layer), the GRU and LSTM write their outputs into its arrays.
    """

    def __init__(self, name, gates):
        self.name, self.gates = name, gates
        # b_ih and b_hh are added to the same pre-activation (so their
        # gradients are equal and the kernels may take their sum), but for
        # the GRU, whose b_hn sits inside r * (...)
        self.same_bias_grads = name != "gru"

    def forward(self, xw, w_hh, b_hh, h0, c0, periods, t0=0, ws=None, key=None):
        """Returns ``(H, cache, (h_last, c_last))``; ``t0`` is the clock of
        the first step (it only matters to the Clockwork RNN)."""
        T, B, G = xw.shape
        H = G // self.gates
        if self.name == "elman":
            hs = _cells.elman_forward(xw, w_hh, b_hh, h0)[0]
            return hs, (hs, h0), (hs[-1], None)
        if self.name == "gru":
            if ws is None:
                hs, gates, q = _cells.gru_forward(xw, w_hh, b_hh, h0)
            else:
                hs = ws.get((key, "hs"), (T, B, H), xw.dtype)
                gates = ws.get((key, "gates"), (T, B, G), xw.dtype)
                q = ws.get((key, "q"), (T, B, H), xw.dtype)
                _cells.gru_forward_into(xw, w_hh, b_hh, h0, hs, gates, q)
            return hs, (hs, gates, q, h0), (hs[-1], None)
        if self.name == "lstm":
            c0 = np.zeros_like(h0) if c0 is None else c0
            if ws is None:
                hs, cs, gates = _cells.lstm_forward(xw, w_hh, b_hh, h0, c0)
            else:
                hs = ws.get((key, "hs"), (T, B, H), xw.dtype)
                cs = ws.get((key, "cs"), (T, B, H), xw.dtype)
                gates = ws.get((key, "gates"), (T, B, G), xw.dtype)
                _cells.lstm_forward_into(xw, w_hh, b_hh, h0, c0, hs, cs, gates)
            return hs, (hs, cs, gates, h0, c0), (hs[-1], cs[-1])
        hs = _cells.cwrnn_forward(xw, w_hh, b_hh, h0, periods, t0)[0]
        return hs, (hs, h0), (hs[-1], None)

    def backward(self, dH, cache, w_hh, periods, ws=None, key=None):
        if ws is not None and self.name in ("gru", "lstm"):
            T, B, H = dH.shape
            dxw = ws.get((key, "dxw"), (T, B, self.gates * H), dH.dtype)
            kernel = getattr(_cells, f"{self.name}_backward_into")
            res = kernel(dH, *cache, w_hh, dxw)
            return dxw, res[0], res[1]
        kernel = getattr(_cells, f"{self.name}_backward")
        if self.name == "cwrnn":
            res = kernel(dH, *cache, w_hh, periods)
        else:
            res = kernel(dH, *cache, w_hh)
        return res[0], res[1], res[2]


CELLS = {"elman": _Cell("elman", 1), "gru": _Cell("gru", 3),
         "lstm": _Cell("lstm", 4), "cwrnn": _Cell("cwrnn", 1)}


def param_names(num_layers, bidirectional):
    """Parameter names in PyTorch's order, readout last."""
    names = []
    for layer in range(num_layers):
        for suffix in ("", "_reverse") if bidirectional else ("",):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                names.append(f"{kind}_l{layer}{suffix}")
    return names + ["readout.weight", "readout.bias"]


def init_params(cell, n_inputs, hidden_size, num_layers, bidirectional,
                n_outputs, rng, dtype, recurrent_mask=None):
    """PyTorch's initialisation: every weight uniform on +-1/sqrt(hidden_size);
    the readout as ``nn.Linear`` (+-1/sqrt(fan_in)). Drawn in name order.

    With a block-triangular ``recurrent_mask`` (the Clockwork RNN's modules of
    ``m`` units), the free recurrent weights are uniform on +-1/sqrt(m)
    instead. The eigenvalues of a block-triangular matrix are those of its
    diagonal blocks, ``m x m`` here: at +-1/sqrt(hidden_size) its spectral
    radius would be ``sqrt(m / hidden_size)`` times an Elman network's (half
    of it for four modules: a trace of the input k steps back 2^k times
    weaker). +-1/sqrt(m) gives each module, and so the whole matrix,
    the spectral radius of an Elman network at PyTorch's initialisation
    (about 1/sqrt(3), by the circular law).
    """
    spec = CELLS[cell]
    H, G = hidden_size, spec.gates
    dirs = 2 if bidirectional else 1
    bound = 1.0 / np.sqrt(H)
    if recurrent_mask is not None:
        module = int(np.asarray(recurrent_mask).sum(axis=1).min())  # the slowest row
        recurrent_scale = np.sqrt(H / module)
    params = {}
    for name in param_names(num_layers, bidirectional)[:-2]:
        layer = int(name.split("_l")[1].split("_")[0])
        d_in = n_inputs if layer == 0 else H * dirs
        shape = {"weight_ih": (G * H, d_in), "weight_hh": (G * H, H),
                 "bias_ih": (G * H,), "bias_hh": (G * H,)}[name.split("_l")[0]]
        params[name] = rng.uniform(-bound, bound, size=shape)
        if recurrent_mask is not None and name.startswith("weight_hh"):
            params[name] *= recurrent_mask * recurrent_scale
    fan_in = H * dirs
    rb = 1.0 / np.sqrt(fan_in)
    params["readout.weight"] = rng.uniform(-rb, rb, size=(n_outputs, fan_in))
    params["readout.bias"] = rng.uniform(-rb, rb, size=(n_outputs,))
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in params.items()}


def _reverse_index(T, lengths):
    """Index (T, B) that reverses each sequence within its own length."""
    t = np.arange(T)[:, None]
    L = np.asarray(lengths)[None, :]
    return np.where(t < L, L - 1 - t, t)


def _take_time(A, index):
    """``A[index[t, b], b]`` for a (T, B, F) array."""
    return np.ascontiguousarray(np.take_along_axis(A, index[:, :, None], axis=0))


def _pool_weights(T, lengths, start):
    """(T, B) weights of the mean over steps ``start:length`` of each sequence."""
    t = np.arange(T)[:, None]
    L = np.asarray(lengths)[None, :]
    return ((t >= start) & (t < L)) / np.maximum(L - start, 1)


def pool_states(top, lengths, pool, start, bidirectional):
    """One summary row per sequence from the top layer's outputs (T, B, F).

    ``"last"``: the output at the last valid step, so padding never enters;
    for a bidirectional network the forward half at ``length - 1`` and the
    reverse half at step 0 (where the reversed pass ends), each direction's
    summary of the whole sequence. ``"mean"``: the mean over the steps
    ``start:length`` (``start`` is the washout). Returns (B, F).
    """
    T, B, F = top.shape
    if pool == "last":
        feat = top[np.asarray(lengths) - 1, np.arange(B)]
        if bidirectional:
            feat[:, F // 2:] = top[0, :, F // 2:]
        return feat
    w = _pool_weights(T, lengths, start).astype(top.dtype)
    return np.einsum("tb,tbf->bf", w, top)


def _unpool(d_feat, T, lengths, pool, start, bidirectional):
    """The gradient on the top outputs (T, B, F) from that on the summaries."""
    B, F = d_feat.shape
    if pool == "last":
        d_top = np.zeros((T, B, F), dtype=d_feat.dtype)
        last = np.asarray(lengths) - 1
        half = F // 2 if bidirectional else F
        d_top[last, np.arange(B), :half] = d_feat[:, :half]
        if bidirectional:
            d_top[0, :, half:] = d_feat[:, half:]
        return d_top
    w = _pool_weights(T, lengths, start).astype(d_feat.dtype)
    return np.ascontiguousarray(w[:, :, None] * d_feat[None, :, :])


def forward(params, X, lengths, cell, num_layers, bidirectional, periods=None,
            keep=True, states=None, t0=0, return_states=False, workspace=None,
            pool=None, pool_start=0):
    """Run the network on a time-major batch.

    Parameters
    ----------
    X : ndarray (T, B, n_inputs), padded with zeros past each length
    lengths : ndarray of int (B,)
    states : list of (h, c) per layer, optional
        Initial states of a unidirectional network (default zero), as returned
        with ``return_states`` (``c`` is None but for the LSTM).
    t0 : int
        Clock of the first step (only the Clockwork RNN depends on it).
    workspace : Workspace, optional
        Arrays to reuse for the per-batch intermediates (training: the tape
        then lives until the next call with the same workspace).
    pool : {None, "last", "mean"}
        None: the readout at every step. Otherwise one output per sequence,
        the readout of :func:`pool_states` (from step ``pool_start`` on for
        ``"mean"``).

    Returns
    -------
    Y : ndarray (T, B, n_outputs), or (B, n_outputs) with ``pool``
    tape : list
        What :func:`backward` needs (None when ``keep`` is False).
    finals : list of (h, c) per layer
        The states after the last step, with ``return_states`` (all
        sequences of the batch must then have the full length).
    """
    spec = CELLS[cell]
    T, B, _ = X.shape
    rev = _reverse_index(T, lengths) if bidirectional else None
    tape, finals = [], []
    inp = X
    for layer in range(num_layers):
        outs = []
        for suffix in ("", "_reverse") if bidirectional else ("",):
            w_ih = params[f"weight_ih_l{layer}{suffix}"]
            w_hh = params[f"weight_hh_l{layer}{suffix}"]
            b_ih = params[f"bias_ih_l{layer}{suffix}"]
            b_hh = params[f"bias_hh_l{layer}{suffix}"]
            x_in = _take_time(inp, rev) if suffix else inp
            H = w_hh.shape[1]
            # np.dot into a preallocated array: matmul takes a slow path for
            # the (T*B x 1) @ (1 x G*H) product of a single input feature
            shape = (T * B, w_ih.shape[0])
            if workspace is None:
                xw = np.empty(shape, dtype=X.dtype)
            else:
                xw = workspace.get((layer, suffix, "xw"), shape, X.dtype)
            np.dot(x_in.reshape(T * B, -1), w_ih.T, out=xw)
            xw = xw.reshape(T, B, -1)
            if spec.same_bias_grads:
                # b_ih joins b_hh in the kernel's sum: no pass over all
                # (T * B, G * H) entries of xw to add it there
                b_cell = b_ih + b_hh
            else:                      # the GRU's b_hn is inside r * (...)
                xw += b_ih
                b_cell = b_hh
            if states is None:
                h0, c0 = np.zeros((B, H), dtype=X.dtype), None
            else:
                h0, c0 = states[layer]
            hs, cache, last = spec.forward(xw, w_hh, b_cell, h0, c0, periods, t0,
                                           workspace, (layer, suffix))
            outs.append(_take_time(hs, rev) if suffix else hs)
            finals.append(last)
            if keep:
                tape.append((layer, suffix, x_in, cache))
        inp = np.concatenate(outs, axis=2) if bidirectional else outs[0]
    if pool is not None:
        Y = pool_states(inp, lengths, pool, pool_start, bidirectional) \
            @ params["readout.weight"].T
    else:
        Y = (inp.reshape(T * B, -1) @ params["readout.weight"].T).reshape(T, B, -1)
    Y += params["readout.bias"]
    if keep:
        tape.append(inp)
    if return_states:
        return Y, (tape if keep else None), finals
    return Y, (tape if keep else None)


def generate(params, states, y0, future, cell, num_layers, periods=None, t0=0):
    """Closed loop of a unidirectional network after a warm-up, in one
    compiled call (:func:`_cells.closed_loop`).

    ``states`` are the warm-up's final states (``forward(..., return_states=
    True)`` on one sequence), ``y0`` (n_out,) its last output, ``future``
    (n_steps - 1, n_inputs - n_out) the known input columns of the fed-back
    steps and ``t0`` the clock of the first of them. Returns (n_steps, n_out)
    in the parameters' dtype.
    """
    dt = params["readout.weight"].dtype
    w_hh = np.stack([params[f"weight_hh_l{k}"] for k in range(num_layers)])
    L, G, H = w_hh.shape
    w_ih = (np.stack([params[f"weight_ih_l{k}"] for k in range(1, num_layers)])
            if num_layers > 1 else np.empty((0, G, H), dtype=dt))
    h = np.stack([st[0][0] for st in states]).astype(dt)
    c = (np.stack([st[1][0] for st in states]).astype(dt) if cell == "lstm"
         else np.zeros_like(h))
    return _cells.closed_loop(
        _cells.CELL_CODES[cell], params["weight_ih_l0"], w_ih, w_hh,
        np.ascontiguousarray(w_hh.transpose(0, 2, 1)),
        np.stack([params[f"bias_ih_l{k}"] for k in range(num_layers)]),
        np.stack([params[f"bias_hh_l{k}"] for k in range(num_layers)]),
        params["readout.weight"], params["readout.bias"], h, c,
        np.ascontiguousarray(y0, dtype=dt), np.ascontiguousarray(future, dtype=dt),
        np.ones(1, np.int64) if periods is None else np.asarray(periods, np.int64),
        int(t0))


def backward(params, dY, tape, lengths, cell, num_layers, bidirectional,
             periods=None, workspace=None, pool=None, pool_start=0):
    """Gradients of the loss with respect to every parameter.

    ``dY`` (T, B, n_outputs) is dLoss/dY, zero on padded and washout steps;
    with ``pool`` (as in :func:`forward`) it is (B, n_outputs).
    Returns a dict of gradients under the parameter names (fresh arrays,
    also with a ``workspace``).
    """
    spec = CELLS[cell]
    top = tape[-1]
    T, B, _ = top.shape
    rev = _reverse_index(T, lengths) if bidirectional else None
    grads = {}
    w_out = params["readout.weight"]
    if pool is not None:
        feat = pool_states(top, lengths, pool, pool_start, bidirectional)
        grads["readout.weight"] = dY.T @ feat
        grads["readout.bias"] = dY.sum(axis=0)
        d_inp = _unpool(dY @ w_out, T, lengths, pool, pool_start, bidirectional)
    else:
        flat_dy = dY.reshape(T * B, -1)
        grads["readout.weight"] = flat_dy.T @ top.reshape(T * B, -1)
        grads["readout.bias"] = flat_dy.sum(axis=0)
        shape = (T * B, w_out.shape[1])
        d_inp = (np.empty(shape, dtype=dY.dtype) if workspace is None
                 else workspace.get("d_top", shape, dY.dtype))
        np.dot(flat_dy, w_out, out=d_inp)             # not matmul: see forward
        d_inp = d_inp.reshape(T, B, -1)
    entries = tape[:-1]
    dirs = 2 if bidirectional else 1
    for layer in reversed(range(num_layers)):
        mine = entries[layer * dirs:(layer + 1) * dirs]
        d_below = None
        for k, (_, suffix, x_in, cache) in enumerate(mine):
            w_ih = params[f"weight_ih_l{layer}{suffix}"]
            w_hh = params[f"weight_hh_l{layer}{suffix}"]
            H = w_hh.shape[1]
            dH = np.ascontiguousarray(d_inp[:, :, k * H:(k + 1) * H])
            if suffix:
                dH = _take_time(dH, rev)
            dxw, dw_hh, db_hh = spec.backward(dH, cache, w_hh, periods, workspace,
                                              (layer, suffix))
            flat = dxw.reshape(T * B, -1)
            grads[f"weight_ih_l{layer}{suffix}"] = flat.T @ x_in.reshape(T * B, -1)
            # a column sum of (T * B, G * H) took longer than the whole
            # readout at hidden 16; the kernels' bias gradient has it
            grads[f"bias_ih_l{layer}{suffix}"] = (
                db_hh.copy() if spec.same_bias_grads
                else np.dot(np.ones(T * B, dtype=flat.dtype), flat))
            grads[f"weight_hh_l{layer}{suffix}"] = dw_hh
            grads[f"bias_hh_l{layer}{suffix}"] = db_hh
            if layer > 0:
                dx = (flat @ w_ih).reshape(T, B, -1)
                if suffix:
                    dx = _take_time(dx, rev)
                d_below = dx if d_below is None else d_below + dx
        d_inp = d_below
    return grads

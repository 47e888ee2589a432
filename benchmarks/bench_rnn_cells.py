"""Speed of the recurrent cell kernels against PyTorch, one training epoch.

One epoch = 256 sequences of 100 steps in 8 batches of 32, 1 input and 1
output per step, float32: per batch the input GEMM, the cell's forward, a
linear readout, an MSE loss, the readout's and the cell's backward, the input
GEMMs of the gradient and an Adam step on every parameter. Ours writes the
per-batch arrays into ones kept from the previous batch, as the estimators
do (``*_forward_into`` / ``*_backward_into``). PyTorch runs
``nn.LSTM``/``nn.GRU`` + ``nn.Linear`` + ``torch.optim.Adam`` on the same
shapes with ``torch.set_num_threads(1)`` and ``(2)``; the kernels with 1 and 2
BLAS threads (batches of B*H*H >= 32*64*64 run as two groups of sequences on
two threads in both settings; one with ``numba.set_num_threads(1)``). The
four runs alternate
epoch by epoch, so a change in machine load hits all of them; times are
medians over ``--repeats`` epochs; ratio = ours / the faster torch (below 1
is faster than torch). The load average is printed with the table.

The "estimator" rows time ``LSTMRegressor``/``GRURegressor(max_iter=1,
batch_size=32, dtype="float32").fit`` on the same data as a 3-D array (256,
100, 1): one epoch end to end, with validation, batching and the network
code of ``reservoir.rnn``, against the same torch epochs.

First-call times are measured in fresh processes: with an empty numba cache
(compile) and with the cache this script's first run leaves (load).

    python benchmarks/bench_rnn_cells.py [--repeats 7] [--hidden 16 64 256]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import statistics
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median_time, table  # noqa: E402

N_SEQ, T, BATCH, DTYPE = 256, 100, 32, np.float32
GATES = {"lstm": 4, "gru": 3}


def make_data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(N_SEQ, T, 1).astype(DTYPE)
    Y = np.cumsum(X, axis=1).astype(DTYPE) * 0.1
    # time-major batches (T, B, 1)
    return [(np.ascontiguousarray(X[i:i + BATCH].transpose(1, 0, 2)),
             np.ascontiguousarray(Y[i:i + BATCH].transpose(1, 0, 2)))
            for i in range(0, N_SEQ, BATCH)]


# ---------------------------------------------------------------------------
# Ours: kernels + numpy GEMMs + numpy Adam
# ---------------------------------------------------------------------------

class Adam:
    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads):
        self.t += 1
        c1 = 1 - self.b1 ** self.t
        c2 = 1 - self.b2 ** self.t
        for k, p in self.params.items():
            g, m, v = grads[k], self.m[k], self.v[k]
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * (g * g)
            p -= (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps)


def make_ours(cell, H, seed=0):
    from reservoir.rnn import _cells
    rng = np.random.RandomState(seed)
    G = GATES[cell]
    b = 1 / np.sqrt(H)
    params = {k: rng.uniform(-b, b, s).astype(DTYPE) for k, s in [
        ("w_ih", (G * H, 1)), ("w_hh", (G * H, H)), ("b_ih", (G * H,)),
        ("b_hh", (G * H,)), ("w_out", (1, H)), ("b_out", (1,))]}
    opt = Adam(params)
    fwd = getattr(_cells, f"{cell}_forward_into")
    bwd = getattr(_cells, f"{cell}_backward_into")
    # Per-batch arrays reused from batch to batch, as the estimators do
    # (reservoir.rnn._network.Workspace): fresh pages cost about 1 us each.
    work = {}

    def buf(name, shape):
        if name not in work or work[name].shape != shape:
            work[name] = np.empty(shape, DTYPE)
        return work[name]

    def batch(X, Y):
        p = params
        Tn, B, F = X.shape
        X2 = X.reshape(Tn * B, F)
        xw = buf("xw", (Tn * B, G * H))
        np.dot(X2, p["w_ih"].T, out=xw)   # not matmul: slow for one input
        xw += p["b_ih"]
        xw = xw.reshape(Tn, B, G * H)
        h0 = np.zeros((B, H), DTYPE)
        Hs = buf("hs", (Tn, B, H))
        if cell == "lstm":
            out = (Hs, buf("cs", (Tn, B, H)), buf("gates", (Tn, B, G * H)))
            fwd(xw, p["w_hh"], p["b_hh"], h0, h0, *out)
        else:
            out = (Hs, buf("gates", (Tn, B, G * H)), buf("q", (Tn, B, H)))
            fwd(xw, p["w_hh"], p["b_hh"], h0, *out)
        Hs2 = Hs.reshape(Tn * B, H)
        pred = Hs2 @ p["w_out"].T + p["b_out"]
        dpred = (2.0 / pred.size) * (pred - Y.reshape(Tn * B, -1))
        dpred = dpred.astype(DTYPE, copy=False)
        grads = {"w_out": dpred.T @ Hs2, "b_out": dpred.sum(0)}
        dH = buf("dh", (Tn * B, H))
        np.dot(dpred, p["w_out"], out=dH)
        dH = dH.reshape(Tn, B, H)
        dxw = buf("dxw", (Tn, B, G * H))
        if cell == "lstm":
            grads["w_hh"], grads["b_hh"], _, _ = bwd(dH, *out, h0, h0, p["w_hh"], dxw)
        else:
            grads["w_hh"], grads["b_hh"], _ = bwd(dH, *out, h0, p["w_hh"], dxw)
        dxw2 = dxw.reshape(Tn * B, G * H)
        grads["w_ih"] = dxw2.T @ X2
        grads["b_ih"] = dxw2.sum(0)
        opt.step(grads)

    return batch


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------

def make_torch(cell, H, seed=0):
    import torch
    torch.manual_seed(seed)
    rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](1, H)
    lin = torch.nn.Linear(H, 1)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(lin.parameters()), lr=1e-3)
    loss_fn = torch.nn.MSELoss()

    def batch(X, Y):
        opt.zero_grad()
        out, _ = rnn(torch.from_numpy(X))
        loss = loss_fn(lin(out), torch.from_numpy(Y))
        loss.backward()
        opt.step()

    return batch


def make_estimator(cell, H, seed=0):
    """One epoch of the public estimator on all N_SEQ sequences."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from reservoir.rnn import GRURegressor, LSTMRegressor
    est_cls = {"lstm": LSTMRegressor, "gru": GRURegressor}[cell]
    rng = np.random.RandomState(seed)
    X = rng.randn(N_SEQ, T, 1).astype(DTYPE)
    Y = np.cumsum(X, axis=1).astype(DTYPE) * 0.1

    def fit():
        est = est_cls(hidden_size=H, max_iter=1, batch_size=BATCH, dtype="float32",
                      random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, Y)

    return fit


def alternate(runs, repeats):
    """Median seconds of each ``(name, setup, fn)`` in ``runs``, run in turn
    ``repeats`` times after one warm-up round."""
    times = {name: [] for name, _, _ in runs}
    for r in range(repeats + 1):
        for name, setup, fn in runs:
            setup()
            t0 = time.perf_counter()
            fn()
            if r:
                times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def cwrnn_vs_elman(hidden, n_modules, repeats):
    """Medians (s) of forward+backward, T=100, B=32, float32: (cwrnn, elman)."""
    from reservoir.rnn import _cells
    rng = np.random.RandomState(0)
    H = hidden
    xw = rng.randn(T, BATCH, H).astype(DTYPE)
    w = (rng.randn(H, H) / np.sqrt(H)).astype(DTYPE)
    w *= _cells.cwrnn_mask(H, n_modules)
    b = np.zeros(H, DTYPE)
    h0 = np.zeros((BATCH, H), DTYPE)
    periods = _cells.cwrnn_default_periods(n_modules)

    def cw():
        (Hs,) = _cells.cwrnn_forward(xw, w, b, h0, periods)
        _cells.cwrnn_backward(Hs, Hs, h0, w, periods)

    def elman():
        (Hs,) = _cells.elman_forward(xw, w, b, h0)
        _cells.elman_backward(Hs, Hs, h0, w)

    return median_time(cw, repeats), median_time(elman, repeats)


def first_call(cache_dir):
    """Seconds of the first LSTM+GRU forward/backward (float32) in a fresh process."""
    code = (
        "import time, numpy as np\n"
        "t0 = time.perf_counter()\n"
        "from reservoir.rnn import _cells as c\n"
        "f = np.float32\n"
        "x = np.zeros((3, 2, 8), f); w = np.zeros((8, 2), f); b = np.zeros(8, f)\n"
        "h = np.zeros((2, 2), f)\n"
        "o = c.lstm_forward(x, w, b, h, h); c.lstm_backward(o[0], *o, h, h, w)\n"
        "x = x[:, :, :6].copy(); w = w[:6].copy(); b = b[:6].copy()\n"
        "o = c.gru_forward(x, w, b, h); c.gru_backward(o[0], *o, h, w)\n"
        "print(time.perf_counter() - t0)\n")
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--hidden", type=int, nargs="+", default=[16, 64, 256])
    ap.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    ap.add_argument("--estimator-hidden", type=int, nargs="*", default=[64],
                    help="hidden sizes of the end-to-end estimator rows")
    args = ap.parse_args(argv)

    import scipy.linalg.cython_blas  # noqa: F401  numba's BLAS: load it before limiting
    import torch
    from threadpoolctl import ThreadpoolController

    blas = ThreadpoolController()
    with tempfile.TemporaryDirectory() as d:
        cold = first_call(d)
    warm = first_call(None)
    data = make_data()
    print(f"load average at start: {os.getloadavg()}", flush=True)

    def threads(n):
        def setup():
            blas.limit(limits=n, user_api="blas")
            torch.set_num_threads(n)
        return setup

    rows = []
    jobs = [(c, H, "kernels") for c in args.cells for H in args.hidden]
    jobs += [(c, H, "estimator") for c in args.cells for H in args.estimator_hidden]
    for cell, H, kind in jobs:
        if kind == "kernels":
            ours_batch = make_ours(cell, H)

            def ours(b=ours_batch):
                for X, Y in data:
                    b(X, Y)
        else:
            ours = make_estimator(cell, H)
        torch_batch = make_torch(cell, H)

        def theirs(b=torch_batch):
            for X, Y in data:
                b(X, Y)

        t = alternate([("ours1", threads(1), ours), ("ours2", threads(2), ours),
                       ("torch1", threads(1), theirs), ("torch2", threads(2), theirs)],
                      args.repeats)
        t_ours, n_ours = min((t["ours1"], 1), (t["ours2"], 2))
        best = min(t["torch1"], t["torch2"])
        rows.append([cell, H, kind, f"{1e3 * t_ours:.1f} ({n_ours})",
                     f"{1e3 * t['torch1']:.1f}", f"{1e3 * t['torch2']:.1f}",
                     f"{t_ours / best:.2f}"])
        print(" | ".join(str(c) for c in rows[-1]), flush=True)
    print()
    print(f"One epoch: {N_SEQ} sequences x {T} steps, batch {BATCH}, float32; "
          f"ms, medians of {args.repeats} alternating runs; ours at the faster of "
          f"1 and 2 BLAS threads (in brackets); load average at the end "
          f"{tuple(round(x, 2) for x in os.getloadavg())} on {os.cpu_count()} CPUs.")
    print()
    print(table(["cell", "hidden", "what", "ours ms", "torch 1 thread ms",
                 "torch 2 threads ms", "ours / faster torch"], rows))
    print()
    print(f"First LSTM+GRU forward/backward in a fresh process (float32), not in "
          f"the table: {cold:.1f} s with an empty numba cache (compile), "
          f"{warm:.2f} s with a warm cache.")
    print()
    blas.limit(limits=1, user_api="blas")
    cw_rows = []
    for H in args.hidden:
        n_modules = 8 if H >= 64 else 4
        t_cw, t_el = cwrnn_vs_elman(H, n_modules, max(args.repeats, 7))
        cw_rows.append([H, n_modules, f"{1e3 * t_cw:.2f}", f"{1e3 * t_el:.2f}",
                        f"{t_el / t_cw:.2f}"])
    print("Clockwork RNN (periods 1, 2, 4, ...) vs dense Elman, forward+backward of "
          f"one batch ({T} steps x {BATCH}), float32, 1 BLAS thread, ms:")
    print()
    print(table(["hidden", "modules", "cwrnn ms", "elman ms", "speed-up"], cw_rows))


if __name__ == "__main__":
    main()

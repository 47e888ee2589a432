"""One epoch of ``LSTMRegressor.fit`` (and GRU, SimpleRNN) end to end against PyTorch.

The job: 256 sequences of 100 steps, one input and one output per step,
float32, batches of 32, one epoch, each run a fresh fit on the data as a
user has it (a 3-D NumPy array):

- ours: ``LSTMRegressor(hidden_size=H, max_iter=1, batch_size=32,
  dtype="float32", random_state=0).fit(X, Y)``, everything included
  (validation, set-up, weight initialisation, batching, the epoch, the
  early-stopping bookkeeping), with ``numba.set_num_threads(1)`` and ``(2)``
  (the estimators keep BLAS on one thread themselves; with two numba
  threads large batches run as two groups of sequences);
- PyTorch: a fresh ``nn.LSTM`` (``nn.GRU``, ``nn.RNN``) with
  ``batch_first=True``, an ``nn.Linear`` readout and ``torch.optim.Adam``
  (lr 1e-2, our default), one epoch over a random permutation including the
  tensors' creation from the same arrays, with ``torch.set_num_threads(1)``
  and ``(2)``. No gradient clipping (ours clips at norm 5 by default; the
  reference is left the lighter job).

Ratio = the faster of our two thread settings / the faster of PyTorch's
(below 1 is faster than PyTorch). The four runs alternate in rounds, so a
change in machine load hits all of them; the figures are medians over
``--repeats`` rounds after one warm-up round. The "kernels" column is the
bare kernel epoch of ``bench_rnn_cells.py`` (input GEMMs, cell kernels,
readout, Adam in NumPy; no validation or batching) at the faster thread
setting, timed in the same rounds: the floor of the public path.

    python benchmarks/bench_rnn_fit.py [--repeats 7] [--hidden 16 64 256]
        [--cells lstm gru elman] [--profile H] [--output FILE]

``--profile H`` prints where one LSTM fit's time goes (cProfile, one
thread) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import table  # noqa: E402

N_SEQ, T, BATCH = 256, 100, 32
NAMES = {"lstm": ("LSTMRegressor", "LSTM"), "gru": ("GRURegressor", "GRU"),
         "elman": ("SimpleRNNRegressor", "RNN")}


def make_data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(N_SEQ, T, 1).astype(np.float32)
    Y = (np.cumsum(X, axis=1) * 0.1).astype(np.float32)
    return X, Y


def ours(cell, H, X, Y):
    import reservoir
    from sklearn.exceptions import ConvergenceWarning

    cls = getattr(reservoir, NAMES[cell][0])

    def fit():
        est = cls(hidden_size=H, max_iter=1, batch_size=BATCH, dtype="float32",
                  random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)   # one epoch
            est.fit(X, Y)
    return fit


def theirs(cell, H, X, Y):
    import torch

    module = getattr(torch.nn, NAMES[cell][1])

    def fit():
        torch.manual_seed(0)
        rnn = module(1, H, batch_first=True)
        lin = torch.nn.Linear(H, 1)
        opt = torch.optim.Adam(list(rnn.parameters()) + list(lin.parameters()), lr=1e-2)
        Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
        perm = torch.randperm(Xt.shape[0])
        for lo in range(0, Xt.shape[0], BATCH):
            idx = perm[lo:lo + BATCH]
            opt.zero_grad()
            out, _ = rnn(Xt[idx])
            loss = torch.nn.functional.mse_loss(lin(out), Yt[idx])
            loss.backward()
            opt.step()
    return fit


def kernels(cell, H):
    """The bare kernel epoch of bench_rnn_cells (LSTM and GRU only)."""
    if cell not in ("lstm", "gru"):
        return None
    import bench_rnn_cells as cells

    data = cells.make_data()
    batch = cells.make_ours(cell, H)

    def epoch():
        for Xb, Yb in data:
            batch(Xb, Yb)
    return epoch


def rounds(runs, repeats):
    """Medians (s) of each ``(name, setup, fn)``, run in turn ``repeats``
    times after one warm-up round."""
    times = {name: [] for name, _, _ in runs}
    for r in range(repeats + 1):
        for name, setup, fn in runs:
            setup()
            t0 = time.perf_counter()
            fn()
            if r:
                times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def profile(H, n=5):
    """cProfile of ``n`` one-thread LSTM fits (after a warm-up)."""
    import numba

    numba.set_num_threads(1)
    X, Y = make_data()
    fit = ours("lstm", H, X, Y)
    fit()
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for _ in range(n):
        fit()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--hidden", type=int, nargs="+", default=[16, 64, 256])
    ap.add_argument("--cells", nargs="+", default=["lstm", "gru", "elman"],
                    choices=sorted(NAMES))
    ap.add_argument("--profile", type=int, metavar="H")
    ap.add_argument("--output", help="also write the table (markdown) here")
    args = ap.parse_args(argv)
    if args.profile:
        profile(args.profile)
        return

    import numba
    import scipy.linalg.cython_blas  # noqa: F401  numba's BLAS: load it before limiting
    import torch
    from threadpoolctl import ThreadpoolController

    blas = ThreadpoolController()
    X, Y = make_data()
    start = os.getloadavg()
    print(f"load average at start: {tuple(round(x, 2) for x in start)}", flush=True)

    def threads(n):
        def setup():
            blas.limit(limits=n, user_api="blas")   # PyTorch's own BLAS, the kernels' products
            numba.set_num_threads(n)
            torch.set_num_threads(n)
        return setup

    rows = []
    for cell in args.cells:
        for H in args.hidden:
            runs = [("ours1", threads(1), ours(cell, H, X, Y)),
                    ("ours2", threads(2), ours(cell, H, X, Y)),
                    ("torch1", threads(1), theirs(cell, H, X, Y)),
                    ("torch2", threads(2), theirs(cell, H, X, Y))]
            bare = kernels(cell, H)
            if bare is not None:
                runs += [("kern1", threads(1), bare), ("kern2", threads(2), bare)]
            t = rounds(runs, args.repeats)
            t_ours, n_ours = min((t["ours1"], 1), (t["ours2"], 2))
            best = min(t["torch1"], t["torch2"])
            kern = (f"{1e3 * min(t['kern1'], t['kern2']):.1f}" if bare is not None
                    else "")
            rows.append([NAMES[cell][0], H, f"{1e3 * t_ours:.1f} ({n_ours})", kern,
                         f"{1e3 * t['torch1']:.1f}", f"{1e3 * t['torch2']:.1f}",
                         f"{t_ours / best:.2f}"])
            print(" | ".join(str(c) for c in rows[-1]), flush=True)
    end = os.getloadavg()
    text = (f"One epoch, {N_SEQ} sequences x {T} steps, batch {BATCH}, float32, "
            f"a fresh fit each; ms, medians of {args.repeats} alternating rounds; "
            f"ours at the faster of 1 and 2 threads (in brackets). Load average "
            f"{tuple(round(x, 2) for x in start)} at the start, "
            f"{tuple(round(x, 2) for x in end)} at the end, on {os.cpu_count()} "
            "CPUs.\n\n"
            + table(["estimator", "hidden", "fit ms (threads)", "bare kernels ms",
                     "torch 1 thread ms", "torch 2 threads ms",
                     "fit / faster torch"], rows) + "\n")
    print()
    print(text)
    if args.output:
        given = list(sys.argv[1:] if argv is None else argv)
        if "--output" in given:                  # the command without its file
            i = given.index("--output")
            del given[i:i + 2]
        with open(args.output, "a") as f:
            f.write(f"`python benchmarks/bench_rnn_fit.py {' '.join(given)}`"
                    "\n\n" + text + "\n")


if __name__ == "__main__":
    main()

"""Deep-layer and free-run kernels against naive numpy loops."""

import numpy as np
import pytest

from reservoir._kernels import (free_run, harvest, pack_recurrent, project,
                                stack_packed)
from test_kernels import assert_same_run, dense, random_csr

RTOL = 1e-12


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL,
                               atol=RTOL * max(1.0, np.abs(expected).max(initial=0)))


def _layers(n, k, n_layers, seed=0):
    csrs = [random_csr(n, k, seed=seed + i, scale=0.9 / np.sqrt(k))
            for i in range(n_layers)]
    inters = [random_csr(n, k, seed=100 + seed + i, scale=0.7 / np.sqrt(k))
              for i in range(n_layers - 1)]
    packed = [pack_recurrent(*c) for c in csrs]
    return (stack_packed(packed), stack_packed([pack_recurrent(*c) for c in inters],
                                               like=packed[0]),
            [dense(*c, n) for c in csrs], [dense(*c, n) for c in inters])


def naive_free_run(Ws, Vs, inter_bias, drive, w_fb, readout, w_ro_fb, w_ro_x, leak,
                   linear, x0, y0, teacher):
    f = (lambda z: z) if linear else np.tanh
    x = [row.copy() for row in x0]
    fb = y0.copy()
    ys, xs = [], []
    for t in range(drive.shape[0]):
        if t > 0:
            fb = teacher[t - 1] if t - 1 < len(teacher) else ys[-1]
        x[0] = (1 - leak) * x[0] + leak * f(drive[t] + w_fb @ fb + Ws[0] @ x[0])
        for lay in range(1, len(Ws)):
            x[lay] = (1 - leak) * x[lay] + leak * f(
                inter_bias[lay - 1] + Vs[lay - 1] @ x[lay - 1] + Ws[lay] @ x[lay])
        ys.append(readout[t] + w_ro_fb @ fb + w_ro_x @ np.concatenate(x))
        xs.append(np.concatenate(x))
    T = drive.shape[0]
    fb_end = (teacher[T - 1] if T - 1 < len(teacher) else ys[-1]) if T else y0
    return np.array(ys), np.array(xs), np.array(x), fb_end


@pytest.mark.parametrize("n_layers", [1, 3])
@pytest.mark.parametrize("n_teacher", [0, 7, 40])
@pytest.mark.parametrize("linear,leak", [(False, 1.0), (False, 0.4), (True, 0.6)])
def test_free_run_matches_naive(n_layers, n_teacher, linear, leak):
    n, k, T, o = 26, 5, 30, 2
    layers, inter, Ws, Vs = _layers(n, k, n_layers)
    rng = np.random.default_rng(n_layers + n_teacher)
    args = dict(
        inter_bias=rng.normal(size=(n_layers - 1, n)) * 0.1,
        drive=rng.normal(size=(T, n)) * 0.5,
        w_fb=rng.normal(size=(n, o)) * 0.3,
        readout=rng.normal(size=(T, o)),
        w_ro_fb=rng.normal(size=(o, o)) * 0.2,
        w_ro_x=rng.normal(size=(o, n_layers * n)) * 0.1,
        leak=leak, linear=linear,
        x0=rng.normal(size=(n_layers, n)) * 0.3,
        y0=rng.normal(size=o),
        teacher=rng.normal(size=(n_teacher, o)))
    out_y, out_x = np.empty((T, o)), np.empty((T, n_layers * n))
    x_end, fb_end = free_run(layers, inter, out_y=out_y, out_x=out_x, **args)
    ref_y, ref_x, ref_end, ref_fb = naive_free_run(Ws, Vs, **args)
    assert_close(out_y, ref_y)
    assert_close(out_x, ref_x)
    assert_close(x_end, ref_end)
    assert_close(fb_end, ref_fb)
    # in chunks, carrying the states and the fed-back value: the same run
    # (the same additions in the same order; compared to a few ulp per step,
    # as another compiler may contract or reorder)
    ys, x, fb = [], args["x0"], args["y0"]
    for lo, hi in [(0, 1), (1, 12), (12, 30)]:
        part = dict(args, drive=args["drive"][lo:hi], readout=args["readout"][lo:hi],
                    x0=x, y0=fb, teacher=args["teacher"][lo:max(lo, min(n_teacher, hi))])
        y = np.empty((hi - lo, o))
        x, fb = free_run(layers, inter, out_y=y, **part)
        ys.append(y)
    assert_same_run(np.concatenate(ys), out_y, T)
    assert_same_run(x, x_end, T)


def test_free_run_fully_teacher_forced_equals_harvest():
    """With every fed-back value given, the run is the harvest of the drive
    ``drive + w_fb fb`` (the teacher-forced states of ``fit``)."""
    n, k, T, o = 40, 6, 50, 1
    layers, inter, Ws, _ = _layers(n, k, 1, seed=3)
    rng = np.random.default_rng(0)
    drive = rng.normal(size=(T, n)) * 0.4
    w_fb = rng.normal(size=(n, o))
    teacher = rng.normal(size=(T, o))
    y0 = np.zeros(o)
    fb = np.vstack([y0, teacher[:-1]])
    out_x = np.empty((T, n))
    free_run(layers, inter, np.empty((0, n)), drive, w_fb, np.zeros((T, o)),
             np.zeros((o, o)), np.zeros((o, n)), 0.8, False, np.zeros((1, n)), y0,
             teacher, np.empty((T, o)), out_x)
    states = np.empty((T, n))
    harvest(pack_recurrent(*random_csr(n, k, seed=3, scale=0.9 / np.sqrt(k))),
            drive + fb @ w_fb.T, 0.8, np.zeros(n), False, states)
    assert_close(out_x, states)


@pytest.mark.parametrize("n", [1, 9, 64])
def test_project_matches_naive(n):
    k = min(n, 4)
    csr = random_csr(n, k, seed=n)
    rng = np.random.default_rng(1)
    states = rng.normal(size=(17, n))
    bias = rng.normal(size=n)
    out = np.empty_like(states)
    project(pack_recurrent(*csr), states, bias, out)
    assert_close(out, states @ dense(*csr, n).T + bias)


def test_free_run_is_deterministic():
    n, o, T = 50, 3, 200
    layers, inter, _, _ = _layers(n, 5, 2, seed=7)
    rng = np.random.default_rng(2)
    args = (layers, inter, rng.normal(size=(1, n)), rng.normal(size=(T, n)),
            rng.normal(size=(n, o)) * 0.2, rng.normal(size=(T, o)),
            np.zeros((o, o)), rng.normal(size=(o, 2 * n)) * 0.05, 0.9, False,
            np.zeros((2, n)), np.zeros(o), rng.normal(size=(20, o)))
    a, b = np.empty((T, o)), np.empty((T, o))
    free_run(*args, a)
    free_run(*args, b)
    np.testing.assert_array_equal(a, b)


def test_a_fresh_process_loads_the_new_kernels_from_numbas_cache():
    """Deep layers, feedback, RLS and NVAR compile once, then load from cache."""
    import subprocess
    import sys
    code = (
        "import numpy as np\n"
        "from reservoir import ESNRegressor, NVARRegressor, _kernels\n"
        "u = np.sin(np.arange(300) / 5)[:, None]\n"
        "esn = ESNRegressor(n_reservoir=16, num_layers=2, feedback_scaling=0.3,\n"
        "                   solver='rls', random_state=0).fit(u[:-1], u[1:])\n"
        "esn.predict(u, y_warmup=u[1:50]); esn.generate(5)\n"
        "NVARRegressor(delay=1).fit(u[:-1], u[1:]).generate(5)\n"
        "ds = [_kernels._project, _kernels._free_run, _kernels._rls,\n"
        "      _kernels._nvar_features, _kernels._nvar_free_run]\n"
        "print(sum(len(d.stats.cache_misses) for d in ds),"
        " sum(len(d.stats.cache_hits) for d in ds))\n")
    for _ in range(2):       # the first run may compile and fill the cache
        out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, check=True).stdout.split()
    misses, hits = map(int, out)
    assert misses == 0 and hits >= 5

"""Property-based tests of every public entry point of ``reservoir``.

Every generated case either works, or raises a ``ValueError``/``TypeError``
whose message names the argument at fault; never another exception type, a
hang, or silently wrong output. "Works" means more than "no exception":

* the output is finite and has the structure of the input (one sequence,
  a list, a 3-D array; pandas in, pandas out on the same index);
* it equals, bit for bit, what the same values give as a plain C-ordered
  float64 array (dtypes, Fortran order, strides, read-only flags, lists,
  object arrays and DataFrames only change how the data arrive);
* where a reference exists it matches it: reservoir states against a plain
  NumPy loop, the ESN readout against scikit-learn's ``Ridge`` on those
  states, a batch of sequences against each sequence alone, ``score`` and
  ``nrmse`` against their formulas in exact rational arithmetic.

Budget. By default each test draws a fixed, derandomised set of examples
(the same on every run, so CI cannot flake on a new draw), a few hundred in
all per estimator; ``--hypothesis-show-statistics`` prints the counts. The
``slow`` profile draws 25 times as many, afresh at random on each run::

    HYPOTHESIS_PROFILE=slow python -m pytest tests/test_properties_reservoir.py

Estimators are tiny (10 reservoir units, 4 hidden units, one epoch), so a
case costs milliseconds once the kernels are compiled.
"""

import math
import re
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.linear_model import Ridge

from conftest import naive_states, property_settings
from reservoir import (CWRNNRegressor, ESNRegressor, GRURegressor, LSTMRegressor,
                       NVARRegressor, Reservoir, SimpleRNNRegressor, datasets,
                       metrics)

# ---------------------------------------------------------------------------
# budget
# ---------------------------------------------------------------------------

def budget(n):
    """``n`` examples by default (derandomised), ``25 n`` in the slow profile."""
    return property_settings(n)


@pytest.fixture(autouse=True)
def _quiet():
    """Convergence, echo-state and overflow warnings are expected here; the
    properties are about results and exceptions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---------------------------------------------------------------------------
# outcomes
# ---------------------------------------------------------------------------

class Refused(Exception):
    """A ValueError/TypeError that names an argument (wraps it)."""

    def __init__(self, exc):
        super().__init__(str(exc))
        self.exc = exc


def attempt(fn):
    """``fn()``; ValueError/TypeError become :class:`Refused`, anything else
    (AttributeError, OverflowError, ZeroDivisionError, LinAlgError...) fails
    the test as it propagates."""
    try:
        return fn()
    except (ValueError, TypeError) as exc:
        raise Refused(exc) from exc


def outcome(fn):
    """("ok", result) or ("refused", exception)."""
    try:
        return "ok", attempt(fn)
    except Refused as r:
        return "refused", r.exc


def names(exc, *args):
    """The message of ``exc`` mentions one of ``args`` as a word."""
    msg = str(exc)
    for a in args:
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(a)}(?![A-Za-z0-9_])", msg):
            return True
    return False


def assert_refused_naming(exc, *args):
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    assert names(exc, *args), f"{type(exc).__name__} does not name {args}: {exc}"


# ---------------------------------------------------------------------------
# estimators
# ---------------------------------------------------------------------------

RNN = dict(hidden_size=4, max_iter=1, batch_size=3, random_state=0)
FACTORIES = {
    "Reservoir": lambda **kw: Reservoir(**{"n_reservoir": 10, "random_state": 0, **kw}),
    "ESN": lambda **kw: ESNRegressor(**{"n_reservoir": 10, "alpha": 1e-2,
                                        "random_state": 0, **kw}),
    "SimpleRNN": lambda **kw: SimpleRNNRegressor(**{**RNN, **kw}),
    "GRU": lambda **kw: GRURegressor(**{**RNN, **kw}),
    "LSTM": lambda **kw: LSTMRegressor(**{**RNN, **kw}),
    "CWRNN": lambda **kw: CWRNNRegressor(**{**RNN, "periods": (1, 2), **kw}),
    "NVAR": lambda **kw: NVARRegressor(**{"delay": 1, "alpha": 1e-2, **kw}),
}
REGRESSORS = [k for k in FACTORIES if k != "Reservoir"]
FLOAT64 = ("ESN", "NVAR")        # models without a dtype parameter
RECURRENT = ["SimpleRNN", "GRU", "LSTM", "CWRNN"]
ALL = list(FACTORIES)

# ---------------------------------------------------------------------------
# data: canonical float64 sequences, and the many ways users hand them over
# ---------------------------------------------------------------------------

SCALES = st.sampled_from([1.0, 1.0, 1.0, 1e-300, 1e-30, 1e30, 1e300, 3e38])


@st.composite
def sequences(draw, n_features=None, min_len=1, max_len=10):
    """(kind, arrays): one sequence, a list (ragged lengths) or a 3-D array of
    finite float64 values at one scale."""
    kind = draw(st.sampled_from(["single", "single", "list", "3d"]))
    d = n_features or draw(st.integers(1, 3))
    scale = draw(SCALES)
    length = st.integers(min_len, max_len)
    if kind == "single":
        lengths = [draw(length)]
    elif kind == "list":
        lengths = draw(st.lists(length, min_size=1, max_size=4))
    else:
        lengths = [draw(length)] * draw(st.integers(1, 3))
    unit = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    arrays = [draw(hnp.arrays(np.float64, (L, d), elements=unit)) * scale
              for L in lengths]
    return kind, arrays


def targets_for(arrays, draw, n_out=None):
    """Targets aligned with the canonical arrays: 1-D or n_out columns of a
    smooth function of the inputs (finite, at their scale)."""
    n_out = n_out or draw(st.sampled_from([0, 0, 1, 2]))   # 0: 1-D targets
    ys = []
    for a in arrays:
        base = np.sin(a[:, :1] / np.maximum(np.abs(a).max(), 1e-300)) * np.abs(a).max()
        cols = np.hstack([base * (k + 1) + 0.1 * k for k in range(max(n_out, 1))])
        ys.append(cols[:, 0] if n_out == 0 else cols)
    return ys


INDEX_KINDS = ["range", "int", "dup", "datetime", "tz", "period", "timedelta",
               "str", "float", "category", "interval", "multi"]


def make_index(kind, n, offset=0):
    if kind == "range":
        return pd.RangeIndex(offset, offset + n)
    if kind == "int":
        return pd.Index(np.arange(n)[::-1] * 3 + offset)
    if kind == "dup":
        return pd.Index([offset] * n)
    if kind == "datetime":
        return pd.date_range("2024-01-01", periods=n, freq="h")
    if kind == "tz":
        return pd.date_range("2024-03-30", periods=n, freq="D", tz="Europe/Berlin")
    if kind == "period":
        return pd.period_range("2020-01", periods=n, freq="M")
    if kind == "timedelta":
        return pd.timedelta_range(0, periods=n, freq="s")
    if kind == "str":
        return pd.Index([f"r{i}" for i in range(n)])
    if kind == "float":
        return pd.Index(np.linspace(0, 1, n) if n > 1 else [np.nan])
    if kind == "category":
        return pd.CategoricalIndex([f"c{i % 2}" for i in range(n)])
    if kind == "interval":
        return pd.interval_range(0, n) if n else pd.IntervalIndex([])
    return pd.MultiIndex.from_arrays([np.arange(n) // 2, np.arange(n)])


COLUMN_KINDS = ["str", "int", "dup", "multi"]


def make_columns(kind, d):
    if kind == "str":
        return [f"f{j}" for j in range(d)]
    if kind == "int":
        return list(range(10, 10 + d))
    if kind == "dup":
        return ["f"] * d
    return pd.MultiIndex.from_arrays([["g"] * d, [f"f{j}" for j in range(d)]])


# how one 2-D sequence is handed over: (name, converts values?)
PRESENTATIONS = ["c", "fortran", "strided", "readonly", "lists", "tuple", "object",
                 "frame", "float32", "float16", "int", "bool", "uint8"]


def present_one(a, how, index_kind, column_kind):
    """(what the user passes, the float64 values the model must see)."""
    if how == "float32":
        v = a.astype(np.float32)
        return v, v.astype(np.float64)
    if how == "float16":
        with np.errstate(over="ignore"):
            v = a.astype(np.float16)
        return v, v.astype(np.float64)
    if how in ("int", "uint8"):
        m = np.abs(a).max(initial=0)
        r = np.round(a / m * 50) if m > 0 else a
        v = (np.abs(r) if how == "uint8" else r).astype(np.uint8 if how == "uint8" else np.int64)
        return v, v.astype(np.float64)
    if how == "bool":
        v = a > 0
        return v, v.astype(np.float64)
    if how == "fortran":
        return np.asfortranarray(a), a
    if how == "strided":
        big = np.zeros((a.shape[0] * 2, a.shape[1] * 3))
        big[::2, ::3] = a
        return big[::2, ::3], a
    if how == "readonly":
        v = a.copy()
        v.setflags(write=False)
        return v, a
    if how == "lists":
        return a.tolist(), a
    if how == "tuple":
        return tuple(map(tuple, a.tolist())), a
    if how == "object":
        return a.astype(object), a
    if how == "frame":
        return pd.DataFrame(a, index=make_index(index_kind, a.shape[0]),
                            columns=make_columns(column_kind, a.shape[1])), a
    return a, a


@st.composite
def presented(draw, kind, arrays):
    """(X as handed over, canonical float64 arrays, description)."""
    how = draw(st.sampled_from(PRESENTATIONS))
    index_kind = draw(st.sampled_from(INDEX_KINDS))
    column_kind = draw(st.sampled_from(["str", "str", "int", "dup", "multi"]))
    if kind == "3d":
        how = "c" if how in ("frame", "lists", "tuple") else how
        pieces = [present_one(a, how, index_kind, column_kind) for a in arrays]
        X = np.stack([np.asarray(p) for p, _ in pieces])
        if how == "fortran":
            X = np.asfortranarray(X)
        return X, [c for _, c in pieces], (kind, how)
    pieces = [present_one(a, how, index_kind, column_kind) for a in arrays]
    if kind == "single":
        return pieces[0][0], [pieces[0][1]], (kind, how, index_kind, column_kind)
    return [p for p, _ in pieces], [c for _, c in pieces], (kind, how, index_kind,
                                                            column_kind)


def canonical_input(kind, arrays):
    if kind == "single":
        return arrays[0]
    if kind == "3d":
        return np.stack(arrays)
    return list(arrays)


def canonical_targets(kind, ys):
    if kind == "single":
        return ys[0]
    if kind == "3d":
        return np.stack(ys)
    return list(ys)


def present_targets(kind, ys, X):
    """Targets in the structure of X: pandas when X is pandas (same index)."""
    if kind == "single":
        if isinstance(X, pd.DataFrame):
            y = ys[0]
            return (pd.Series(y, index=X.index, name="target") if y.ndim == 1
                    else pd.DataFrame(y, index=X.index, columns=["t0", "t1"][:y.shape[1]]))
        return ys[0]
    if kind == "3d":
        return np.stack(ys)
    return list(ys)


def structure_of(result, kind, arrays, width=None):
    """Result has the input's structure: one array (or pandas object), a list
    of as many, or a stacked array; rows aligned with the input."""
    if kind == "single":
        assert np.asarray(result).shape[0] == arrays[0].shape[0]
        return [np.asarray(result, dtype=np.float64)]
    if kind == "list":
        assert isinstance(result, list) and len(result) == len(arrays)
        for r, a in zip(result, arrays):
            assert np.asarray(r).shape[0] == a.shape[0]
        return [np.asarray(r, dtype=np.float64) for r in result]
    result = np.asarray(result)
    assert result.shape[:2] == (len(arrays), arrays[0].shape[0])
    return list(result)


def assert_same_bits(got, ref):
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(np.asarray(g, dtype=np.float64),
                                      np.asarray(r, dtype=np.float64))


def fit_predict(name, X, y, pandas_output=False, **params):
    est = FACTORIES[name](**params)
    if name == "Reservoir":
        if pandas_output:
            est.set_output(transform="pandas")
        return est, est.fit(X).transform(X)
    return est, est.fit(X, y).predict(X)


# ---------------------------------------------------------------------------
# 1. valid data, handed over in every way: works alike or is refused alike
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@budget(50)
@given(data=st.data())
def test_fit_predict_any_presentation(name, data):
    kind, arrays = data.draw(sequences())
    X, canon, how = data.draw(presented(kind, arrays))
    note(f"presentation {how}")
    ys = targets_for(canon, data.draw)
    y = present_targets(kind, ys, X)
    pandas_output = name == "Reservoir" and data.draw(st.booleans())
    status, got = outcome(lambda: fit_predict(name, X, y, pandas_output))
    ref_status, ref = outcome(lambda: fit_predict(
        name, canonical_input(kind, canon), canonical_targets(kind, ys), pandas_output))
    if status == "refused" and ref_status == "ok":
        # scikit-learn refuses duplicate column names (and so do we, naming X)
        assert how[1:] and how[1] == "frame" and how[3] == "dup", got
        assert_refused_naming(got, "X")
        return
    assert status == ref_status, (got, ref)
    if status == "refused":
        assert_refused_naming(got, "X", "y")
        return
    assert not (pandas_output and kind != "single")   # one table per sequence
    est, pred = got
    rows = structure_of(pred, kind, canon)
    assert all(np.isfinite(r).all() for r in rows)
    assert_same_bits(rows, structure_of(ref[1], kind, canon))
    if isinstance(X, pd.DataFrame):            # pandas in, pandas out
        assert isinstance(pred, (pd.Series, pd.DataFrame))
        assert pred.index.equals(X.index)
    if pandas_output:
        assert isinstance(pred, pd.DataFrame)
        assert list(pred.columns) == [f"reservoir{i}" for i in range(10)]
    if kind == "list" and isinstance(X[0], pd.DataFrame) and name != "Reservoir":
        for p, x in zip(pred, X):
            assert p.index.equals(x.index)


@budget(60)
@given(data=st.data())
def test_reservoir_states_equal_the_naive_loop(data):
    """Any valid data at any scale: the states are the plain NumPy loop's (to
    rounding), or the overflow is refused naming X."""
    kind, arrays = data.draw(sequences())
    params = dict(leak_rate=data.draw(st.sampled_from([1.0, 0.4])),
                  activation=data.draw(st.sampled_from(["tanh", "identity"])),
                  spectral_radius=data.draw(st.sampled_from([0.5, 0.9, 1.5])))
    res = FACTORIES["Reservoir"](**params).fit(canonical_input(kind, arrays))
    status, out = outcome(lambda: res.transform(canonical_input(kind, arrays)))
    with np.errstate(all="ignore"):
        refs = [naive_states(res, a) for a in arrays]
    if status == "refused":
        assert_refused_naming(out, "X")
        assert not all(np.isfinite(r).all() for r in refs)
        return
    for got, ref in zip(structure_of(out, kind, arrays), refs):
        scale = max(1.0, np.abs(ref).max())
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * scale)


@budget(40)
@given(data=st.data())
def test_esn_readout_is_ridge_on_the_states(data):
    """The streamed readout equals Ridge on [u, x] after the washout, for any
    valid data of moderate scale; predictions of many sequences equal each
    one alone; score is R^2; partial_fit equals fit; refit_readout
    equals fitting with that alpha."""
    kind, arrays = data.draw(sequences(min_len=3))
    arrays = [a / max(np.abs(a).max(), 1e-300) for a in arrays]   # unit scale
    ys = targets_for(arrays, data.draw)
    washout = data.draw(st.integers(0, 2))
    include_input = data.draw(st.booleans())
    solver = data.draw(st.sampled_from(["cholesky", "qr"]))
    kw = dict(washout=washout, include_input=include_input, solver=solver, alpha=0.1)
    X, y = canonical_input(kind, arrays), canonical_targets(kind, ys)
    esn = FACTORIES["ESN"](**kw).fit(X, y)
    states = [naive_states(esn.reservoir_, a) for a in arrays]
    feats = [np.hstack([a, s]) if include_input else s for a, s in zip(arrays, states)]
    Z = np.vstack([f[washout:] for f in feats])
    Y = np.vstack([np.asarray(t).reshape(len(t), -1)[washout:] for t in ys])
    ridge = Ridge(alpha=0.1).fit(Z, Y)
    pred = structure_of(esn.predict(X), kind, arrays)
    for p, f in zip(pred, feats):
        np.testing.assert_allclose(p.reshape(len(f), -1),
                                   ridge.predict(f).reshape(len(f), -1),
                                   rtol=1e-7, atol=1e-8)
    for p, a in zip(pred, arrays):          # a batch is each sequence alone
        np.testing.assert_allclose(p, np.asarray(esn.predict(a)), rtol=1e-10,
                                   atol=1e-12)
    if all(len(a) > washout + 1 for a in arrays):
        expected = _reference_r2(Y, np.vstack([p.reshape(len(p), -1)[washout:]
                                               for p in pred]))
        assert esn.score(X, y) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    part = FACTORIES["ESN"](**kw)
    for a, t in zip(arrays, ys):
        part.partial_fit(a, t)
    np.testing.assert_allclose(part.coef_, esn.coef_, rtol=1e-6, atol=1e-8)
    refit = FACTORIES["ESN"](**kw).fit(X, y).refit_readout(1.0)
    fresh = FACTORIES["ESN"](**dict(kw, alpha=1.0)).fit(X, y)
    np.testing.assert_allclose(refit.coef_, fresh.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", RECURRENT)
@budget(30)
@given(data=st.data())
def test_recurrent_batch_is_each_sequence_alone(name, data):
    kind, arrays = data.draw(sequences())
    arrays = [a / max(np.abs(a).max(), 1e-300) for a in arrays]
    ys = targets_for(arrays, data.draw)
    dtype = data.draw(st.sampled_from(["float32", "float64"]))
    est = FACTORIES[name](dtype=dtype, bidirectional=data.draw(st.booleans()),
                          washout=data.draw(st.integers(0, 0)))
    X = canonical_input(kind, arrays)
    est.fit(X, canonical_targets(kind, ys))
    pred = structure_of(est.predict(X), kind, arrays)
    tol = 1e-5 if dtype == "float32" else 1e-12    # other BLAS shapes: rounding
    for p, a in zip(pred, arrays):
        assert np.isfinite(p).all()
        np.testing.assert_allclose(p, np.asarray(est.predict(a)), rtol=tol, atol=tol)
    if kind != "3d" and all(len(a) > 1 for a in arrays):
        expected = _reference_r2(np.vstack([np.asarray(t).reshape(len(t), -1) for t in ys]),
                                 np.vstack([p.reshape(len(p), -1) for p in pred]))
        assert est.score(X, canonical_targets(kind, ys)) == pytest.approx(
            expected, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------
# 2. bad data: refused, naming the argument
# ---------------------------------------------------------------------------

def _nan_at(a, draw, value):
    b = a.copy()
    i = draw(st.integers(0, b.size - 1))
    b.flat[i] = value
    return b


@st.composite
def bad_inputs(draw, d=2):
    """Inputs that no estimator may accept, as (X, description)."""
    T = draw(st.integers(1, 6))
    a = draw(hnp.arrays(np.float64, (T, d), elements=st.floats(-1, 1)))
    case = draw(st.sampled_from([
        "nan", "inf", "-inf", "nan_in_list", "nan_in_frame", "empty_rows",
        "empty_list", "zero_features", "one_d", "four_d", "scalar", "none",
        "string", "complex", "datetime", "timedelta", "bytes", "object_str",
        "object_none", "object_complex", "object_dict", "object_hugeint",
        "ragged_rows", "ragged_widths", "frame_columns", "frame_mixed",
        "frame_str_column", "frame_datetime_column", "frame_nullable_na",
        "sparse", "dict", "set", "3d_empty", "list_of_1d", "longdouble_huge",
        "frame_mixed_names"]))
    if case in ("nan", "inf", "-inf"):
        return _nan_at(a, draw, float(case)), case
    if case == "nan_in_list":
        return [a, _nan_at(a, draw, np.nan)], case
    if case == "nan_in_frame":
        return pd.DataFrame(_nan_at(a, draw, np.nan), columns=["a", "b"]), case
    if case == "empty_rows":
        return np.empty((0, d)), case
    if case == "empty_list":
        return [], case
    if case == "zero_features":
        return np.empty((T, 0)), case
    if case == "one_d":
        return a[:, 0], case
    if case == "four_d":
        return a[None, None], case
    if case == "scalar":
        return 1.5, case
    if case == "none":
        return None, case
    if case == "string":
        return "abc", case
    if case == "complex":
        return a + 1j, case
    if case == "datetime":
        return np.full((T, d), np.datetime64("2024-01-01")), case
    if case == "timedelta":
        return np.full((T, d), np.timedelta64(5, "s")), case
    if case == "bytes":
        return np.full((T, d), b"x"), case
    if case == "object_str":
        o = a.astype(object)
        o.flat[draw(st.integers(0, o.size - 1))] = "1.5"
        return o, case
    if case == "object_none":
        o = a.astype(object)
        o.flat[draw(st.integers(0, o.size - 1))] = None
        return o, case
    if case == "object_complex":
        o = a.astype(object)
        o.flat[0] = 1 + 2j
        return o, case
    if case == "object_dict":
        o = a.astype(object)
        o.flat[0] = {"a": 1}
        return o, case
    if case == "object_hugeint":
        o = a.astype(object)
        o.flat[0] = 10 ** 400
        return o, case
    if case == "ragged_rows":
        rows = a.tolist() + [[1.0]]
        return rows, case
    if case == "ragged_widths":
        return [a, np.ones((T, d + 1))], case
    if case == "frame_columns":
        f = pd.DataFrame(a, columns=["a", "b"])
        return [f, f[["b", "a"]]], case
    if case == "frame_mixed":
        return [pd.DataFrame(a, columns=["a", "b"]), a], case
    if case == "frame_str_column":
        return pd.DataFrame({"a": a[:, 0], "b": ["x"] * T}), case
    if case == "frame_datetime_column":
        return pd.DataFrame({"a": a[:, 0], "b": pd.date_range("2024", periods=T)}), case
    if case == "frame_nullable_na":
        col = pd.array(list(a[:, 0][:-1]) + [None], dtype="Float64")
        return pd.DataFrame({"a": col, "b": a[:, 1]}), case
    if case == "sparse":
        return sp.csr_matrix(a), case
    if case == "dict":
        return {"a": a[:, 0]}, case
    if case == "set":
        return {1.0, 2.0}, case
    if case == "3d_empty":
        return np.empty((0, T, d)), case
    if case == "list_of_1d":
        return [a[:, 0], a[:-1, 0] if T > 1 else np.ones(2)], case
    if case == "longdouble_huge":
        v = a.astype(np.longdouble)
        v[0, 0] = np.longdouble("1e400")
        return v, case
    f = pd.DataFrame(a, columns=["a", 1])                 # mixed column names
    return f, case


def _y_like(X):
    """Targets a valid X of this shape would take (so errors are about X)."""
    if isinstance(X, list) and X and hasattr(X[0], "__len__"):
        return [np.zeros(len(x)) for x in X]
    n = X.shape[0] if hasattr(X, "shape") and np.ndim(X) else (
        len(X) if isinstance(X, (list, tuple)) else 3)
    return np.zeros(max(n, 1))


@pytest.mark.parametrize("name", ALL)
@budget(40)
@given(data=st.data())
def test_bad_X_is_refused_by_every_method(name, data):
    X_bad, case = data.draw(bad_inputs())
    note(case)
    good = np.random.RandomState(0).randn(12, 2)
    est = FACTORIES[name]()
    y_bad = _y_like(X_bad)
    if name == "Reservoir":
        calls = {"fit": lambda: FACTORIES[name]().fit(X_bad),
                 "transform": lambda: est.transform(X_bad)}
        est.fit(good)
    else:
        calls = {"fit": lambda: FACTORIES[name]().fit(X_bad, y_bad),
                 "predict": lambda: est.predict(X_bad),
                 "score": lambda: est.score(X_bad, y_bad)}
        est.fit(good, good[:, 0])
        if name in FLOAT64:             # the models with partial_fit
            calls["partial_fit"] = lambda: est.partial_fit(X_bad, y_bad)
            calls["generate"] = lambda: est.generate(3, X_warmup=X_bad, X_future=np.zeros((2, 1)))
        else:
            calls["generate"] = lambda: est.generate(3, X_warmup=X_bad, X_future=np.zeros((2, 1)))
    for method, call in calls.items():
        status, exc = outcome(call)
        assert status == "refused", (method, case)
        assert_refused_naming(exc, "X", "X_warmup")


@st.composite
def bad_targets(draw, X):
    T = len(X)
    case = draw(st.sampled_from(["nan", "inf", "short", "long", "none", "string",
                                 "complex", "three_d", "list", "object_str",
                                 "datetime", "scalar", "empty", "frame_str",
                                 "beyond_float32"]))
    y = np.sin(X[:, 0])
    if case in ("nan", "inf"):
        return _nan_at(y, draw, float(case)), case
    return {"short": y[:-1], "long": np.append(y, 1.0), "none": None,
            "string": np.array(["a"] * T), "complex": y + 1j,
            "three_d": y[:, None, None], "list": [y, y],
            "object_str": np.array(["1"] * T, dtype=object),
            "datetime": np.full(T, np.datetime64("2024")), "scalar": 1.0,
            "empty": np.empty(0), "frame_str": pd.DataFrame({"a": ["x"] * T}),
            "beyond_float32": np.full(T, 1e39)}[case], case


@pytest.mark.parametrize("name", REGRESSORS)
@budget(40)
@given(data=st.data())
def test_bad_y_is_refused(name, data):
    X = np.random.RandomState(1).randn(8, 2)
    y, case = data.draw(bad_targets(X))
    note(case)
    if case == "beyond_float32" and name in FLOAT64:
        return                           # a float64 model: valid targets
    est = FACTORIES[name]()
    status, exc = outcome(lambda: est.fit(X, y))
    assert status == "refused", case
    assert_refused_naming(exc, "y")
    if case == "beyond_float32":
        return       # scoring compares in float64: such targets are valid there
    fitted = FACTORIES[name]().fit(X, np.sin(X[:, 0]))
    status, exc = outcome(lambda: fitted.score(X, y))
    assert status == "refused", case
    assert_refused_naming(exc, "y")


@pytest.mark.parametrize("name", REGRESSORS)
@budget(30)
@given(data=st.data())
def test_mismatched_sequences_are_refused(name, data):
    rng = np.random.RandomState(2)
    lengths = data.draw(st.lists(st.integers(2, 6), min_size=2, max_size=3))
    X = [rng.randn(L, 2) for L in lengths]
    y = [np.sin(x[:, 0]) for x in X]
    case = data.draw(st.sampled_from(["fewer_y", "y_not_list", "y_row_off",
                                      "y_width", "y_frames", "x_widths", "y_ndim"]))
    if case == "fewer_y":
        y = y[:-1]
    elif case == "y_not_list":
        y = np.concatenate(y)
    elif case == "y_row_off":
        y[-1] = y[-1][:-1]
    elif case == "y_width":
        y[0] = np.column_stack([y[0], y[0]])
    elif case == "y_frames":
        y = [pd.DataFrame({"a": t, "b": t}) for t in y]
        y[-1] = y[-1][["b", "a"]]
    elif case == "y_ndim":
        y[0] = y[0][:, None, None]
    else:
        X[-1] = np.hstack([X[-1], X[-1]])
    status, exc = outcome(lambda: FACTORIES[name]().fit(X, y))
    assert status == "refused", case
    assert_refused_naming(exc, "X", "y")


# ---------------------------------------------------------------------------
# 3. parameters: any value either works like its Python twin or is refused
# ---------------------------------------------------------------------------

NUMPY_INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint64]
NUMPY_FLOATS = [np.float16, np.float32, np.float64]


@st.composite
def parameter_values(draw, kind):
    """Values for a parameter of kind 'count', 'rate' (in (0, 1]), 'real'
    (>= 0), 'flag', 'choice', or 'seed'; good and bad, Python and NumPy."""
    wrong = st.sampled_from([None, "1", [1], (1,), {}, 1j, object(), np.array([1, 2]),
                             float("nan"), float("inf"), -float("inf")])
    if kind == "count":
        good = st.integers(1, 4)
        bad = st.sampled_from([0, -1, -(2 ** 70), 1.5, 2.0, True, np.bool_(False),
                               np.float64(3.0)])
    elif kind == "rate":
        good = st.sampled_from([1.0, 0.5, 0.25, 1])
        bad = st.sampled_from([0, 0.0, -0.5, 1.5, 2, True, 1e300])
    elif kind == "real":
        good = st.sampled_from([0.0, 0.1, 1, 2.5])
        bad = st.sampled_from([-1, -0.1, True, 10 ** 400])
    elif kind == "flag":
        good = st.sampled_from([True, False, np.bool_(True)])
        bad = st.sampled_from([0, 1, "yes", None, 1.0])
    elif kind == "seed":
        good = st.sampled_from([None, 0, 7, np.random.RandomState(3)])
        bad = st.sampled_from([-1, 2 ** 40, 1.5, "seed", np.random.default_rng(0),
                               True])
    else:
        return draw(st.one_of(st.sampled_from(kind), wrong,
                              st.sampled_from(["", "TANH", "qr ", "float16"])))
    value = draw(st.one_of(good, good, bad, wrong))
    if kind in ("count", "rate", "real") and draw(st.booleans()) \
            and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and abs(value) < 2 ** 60:
        dtypes = NUMPY_INTS if isinstance(value, int) else NUMPY_FLOATS
        t = draw(st.sampled_from(dtypes))
        with np.errstate(all="ignore"):
            try:
                value = t(value)          # out of range for small ints: skip
            except OverflowError:
                pass
    return value


PARAMETERS = {
    "Reservoir": {"n_reservoir": "count", "spectral_radius": "real", "density": "rate",
                  "leak_rate": "rate", "bias_scaling": "real", "input_scaling": "real",
                  "activation": ("tanh", "identity"), "n_jobs": "count",
                  "random_state": "seed"},
    "ESN": {"n_reservoir": "count", "spectral_radius": "real", "density": "rate",
            "leak_rate": "rate", "bias_scaling": "real", "input_scaling": "real",
            "activation": ("tanh", "identity"), "alpha": "real", "washout": "count",
            "include_input": "flag", "solver": ("cholesky", "qr", "rls"),
            "n_jobs": "count", "random_state": "seed", "num_layers": "count",
            "bidirectional": "flag", "inter_scaling": "real",
            "feedback_scaling": "real", "teacher_noise": "real",
            "forgetting_factor": "rate"},
    "NVAR": {"delay": "count", "order": "count", "strides": "count", "alpha": "real",
             "include_constant": "flag", "washout": "count",
             "solver": ("cholesky", "qr")},
}
for _name in ("Reservoir",):
    PARAMETERS[_name].update({"num_layers": "count", "bidirectional": "flag",
                              "inter_scaling": "real"})
_RECURRENT_PARAMS = {"hidden_size": "count", "num_layers": "count",
                     "bidirectional": "flag", "learning_rate_init": "rate",
                     "max_iter": "count", "batch_size": "count", "bptt_window": "count",
                     "clip_norm": "real", "early_stopping": "flag",
                     "validation_fraction": "rate", "n_iter_no_change": "count",
                     "tol": "real", "washout": "count",
                     "dtype": ("float32", "float64"), "warm_start": "flag",
                     "random_state": "seed", "verbose": "flag"}
for _name in RECURRENT:
    PARAMETERS[_name] = dict(_RECURRENT_PARAMS)
PARAMETERS["CWRNN"]["periods"] = "periods"


@st.composite
def periods_values(draw):
    return draw(st.one_of(
        st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple),
        st.sampled_from([(True, 2), (1, 0), (1.0, 2.0), (), "12", None, (1, -2),
                         np.array([1, 2]), np.array([1, 2], dtype=np.uint8),
                         [np.int8(1), np.int16(2)], (1, 2 ** 70), [[1, 2]],
                         np.array([True, False])])))


def _python_twin(value):
    """The Python value a NumPy scalar stands for (None if not a scalar)."""
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        return value.item()
    return None


@pytest.mark.parametrize("name", ALL)
@budget(80)
@given(data=st.data())
def test_parameters_work_like_python_values_or_are_refused(name, data):
    param = data.draw(st.sampled_from(sorted(PARAMETERS[name])))
    kind = PARAMETERS[name][param]
    value = data.draw(periods_values() if kind == "periods" else parameter_values(kind))
    note(f"{param}={value!r}")
    X = np.random.RandomState(3).randn(12, 2)
    y = np.sin(X[:, 0])
    extra = {"hidden_size": 4} if param == "periods" else {}
    status, got = outcome(lambda: fit_predict(name, X, y, **{param: value}, **extra))
    if status == "refused":
        # early stopping's split and a washout too long name those, too
        assert_refused_naming(got, param, "validation_fraction", "washout",
                              "hidden_size")
        return
    est, pred = got
    assert np.isfinite(np.asarray(pred, dtype=np.float64)).all()
    assert np.asarray(pred).shape[0] == 12
    assert est.get_params()[param] is value           # fit changes no parameter
    twin = _python_twin(value)
    if twin is not None:                              # NumPy scalar: same bits
        _, ref = fit_predict(name, X, y, **{param: twin}, **extra)
        np.testing.assert_array_equal(pred, ref)


# ---------------------------------------------------------------------------
# 4. the other methods' arguments
# ---------------------------------------------------------------------------

def _fitted(name, **kw):
    u = np.sin(np.arange(40) * 0.3)[:, None]
    X = np.hstack([u[:-1], np.cos(np.arange(39))[:, None]])
    return FACTORIES[name](**kw).fit(X, u[1:, 0]), X


ARGUMENT_VALUES = st.one_of(
    st.integers(-3, 6), st.sampled_from([0, 1, 2 ** 70, 10 ** 18, 1.5, np.nan, np.inf,
                                         None, "3", True, np.int8(3), np.uint8(2),
                                         np.float32(2.0), [3], np.array(3)]))


@pytest.mark.parametrize("name", REGRESSORS)
@budget(40)
@given(data=st.data())
def test_generate_arguments(name, data):
    """generate: finite output of (n_steps,) that is the closed loop of predict,
    or a refusal naming n_steps, X_warmup, X_future or initial_state."""
    est, X = _fitted(name)
    n_steps = data.draw(ARGUMENT_VALUES)
    future_rows = data.draw(st.integers(0, 8))
    future = data.draw(st.sampled_from([
        "good", "none", "nan", "wide", "strings", "beyond"]))
    F = {"good": np.cos(np.arange(future_rows))[:, None], "none": None,
         "nan": np.full((future_rows, 1), np.nan), "wide": np.zeros((future_rows, 3)),
         "strings": np.array([["a"]] * future_rows),
         "beyond": np.full((future_rows, 1), 1e39)}[future]
    warm = X[:10]
    note(f"n_steps={n_steps!r}, X_future={future} ({future_rows} rows)")
    status, gen = outcome(lambda: est.generate(n_steps, X_warmup=warm, X_future=F))
    if status == "refused":
        assert_refused_naming(gen, "n_steps", "X_future", "generate")
        return
    n = int(n_steps)
    assert gen.shape == (n,) and np.isfinite(gen).all()
    F = np.asarray(F, dtype=np.float64)[:n - 1]
    fed = np.vstack([warm, np.column_stack([gen[:-1], F[:, 0]])]) if n > 1 else warm
    tol = 1e-10 if name in FLOAT64 or est.dtype == "float64" else 1e-4
    np.testing.assert_allclose(np.asarray(est.predict(fed))[9:], gen, rtol=tol, atol=tol)


STATE_VALUES = st.sampled_from(["good", "short", "nan", "strings", "matrix", "list",
                                "none", "scalar"])


@budget(40)
@given(data=st.data())
def test_esn_state_and_method_arguments(data):
    est, X = _fitted("ESN")
    n = est.reservoir_.W_.shape[0]
    which = data.draw(STATE_VALUES)
    state = {"good": np.full(n, 0.1), "short": np.zeros(n - 1),
             "nan": np.full(n, np.nan), "strings": np.array(["a"] * n),
             "matrix": np.zeros((n, 2)), "list": [0.1] * n, "none": None,
             "scalar": 0.1}[which]
    status, out = outcome(lambda: est.predict(X, initial_state=state))
    if status == "refused":
        assert_refused_naming(out, "initial_state")
        assert which not in ("good", "list", "none")
    else:
        assert which in ("good", "list", "none")
        assert np.isfinite(out).all() and out.shape == (39,)
        if state is not None:
            with_state = naive_states(est.reservoir_, X, np.full(n, 0.1))
            np.testing.assert_allclose(
                out, est._readout(with_state, X)[:, 0], rtol=1e-10, atol=1e-12)
    status, out = outcome(lambda: est.generate(3, X_warmup=X[:5], X_future=np.zeros((2, 1)),
                                               initial_state=state))
    if status == "refused":
        assert_refused_naming(out, "initial_state")
    alpha = data.draw(parameter_values("real"))
    status, out = outcome(lambda: FACTORIES["ESN"]().fit(X, X[:, 0]).refit_readout(alpha))
    if status == "refused":
        assert_refused_naming(out, "alpha")
    else:
        ref = FACTORIES["ESN"](alpha=_python_twin(alpha) or alpha).fit(X, X[:, 0])
        np.testing.assert_allclose(out.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    status, out = outcome(lambda: FACTORIES["ESN"]().fit(X, X[:, 0]).partial_fit(
        X[:5], X[:5, 0], continue_state=data.draw(st.booleans())))
    assert status == "ok"


@pytest.mark.parametrize("name", REGRESSORS)
@budget(30)
@given(data=st.data())
def test_score_sample_weight(name, data):
    est, X = _fitted(name)
    y = np.sin(np.arange(1, 40) * 0.3)
    case = data.draw(st.sampled_from(["good", "zeros", "negative", "nan", "inf",
                                      "short", "2d", "strings", "one_row", "huge"]))
    w = {"good": np.linspace(0.1, 2, 39), "zeros": np.zeros(39),
         "negative": -np.ones(39), "nan": np.full(39, np.nan),
         "inf": np.full(39, np.inf), "short": np.ones(5), "2d": np.ones((39, 1)),
         "strings": np.array(["a"] * 39), "huge": np.full(39, 1e300),
         "one_row": np.eye(1, 39, 38)[0]}[case]
    status, out = outcome(lambda: est.score(X, y, sample_weight=w))
    if status == "refused":
        assert_refused_naming(out, "sample_weight")
        assert case not in ("good", "huge")
        return
    assert case in ("good", "huge", "one_row")
    expected = _reference_r2(y, np.asarray(est.predict(X)), w)
    assert out == pytest.approx(expected, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------------------
# 5. metrics
# ---------------------------------------------------------------------------

@st.composite
def metric_arrays(draw):
    """Pairs of arrays: valid (finite, any scale, any numeric dtype) or not."""
    n = draw(st.integers(0, 12))
    k = draw(st.sampled_from([None, 1, 2]))
    shape = (n,) if k is None else (n, k)
    scale = draw(SCALES)
    unit = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    a = draw(hnp.arrays(np.float64, shape, elements=unit)) * scale
    b = draw(hnp.arrays(np.float64, shape, elements=unit)) * scale
    how = draw(st.sampled_from(["float", "float", "object", "list", "int", "float32",
                                "nan", "inf", "string", "complex", "mismatch", "3d",
                                "object_hugeint", "ragged", "bool", "none"]))
    return a, b, how


def _as_presented(a, how):
    if how == "object":
        return a.astype(object)
    if how == "list":
        return a.tolist()
    if how == "int":
        return np.round(a / max(np.abs(a).max(initial=0), 1e-300) * 9).astype(int)
    if how == "float32":
        with np.errstate(over="ignore"):
            return a.astype(np.float32)
    if how == "bool":
        return a > 0
    return a


def _reference_r2(t, p, w=None):
    """R^2 per output averaged, as sklearn.metrics.r2_score defines it (a
    constant target scores 1 if predicted exactly, else 0), in exact rational
    arithmetic on the float64 values: no squares under- or overflow, and a
    constant target is exactly constant."""
    from fractions import Fraction
    t = np.asarray(t, dtype=np.float64).reshape(len(t), -1)
    p = np.asarray(p, dtype=np.float64).reshape(len(p), -1)
    w = [Fraction(1)] * len(t) if w is None else [Fraction(float(v)) for v in w]
    scores = []
    for j in range(t.shape[1]):
        tj = [Fraction(float(v)) for v in t[:, j]]
        pj = [Fraction(float(v)) for v in p[:, j]]
        mean = sum(wi * x for wi, x in zip(w, tj)) / sum(w)
        ss_tot = sum(wi * (x - mean) ** 2 for wi, x in zip(w, tj))
        ss_res = sum(wi * (x - y) ** 2 for wi, x, y in zip(w, tj, pj))
        scores.append(_to_float(1 - ss_res / ss_tot) if ss_tot else float(ss_res == 0))
    return float(np.mean(scores))


def _to_float(fraction):
    """float() of a Fraction; +-inf beyond the float range (the rounding of
    an overflow), as NumPy's arithmetic gives."""
    try:
        return float(fraction)
    except OverflowError:
        return math.inf if fraction > 0 else -math.inf


def _sqrt_fraction(r):
    """sqrt of a non-negative Fraction (to 1100 bits: far below the float
    range too), then rounded."""
    from fractions import Fraction
    k = 1100
    return _to_float(Fraction(math.isqrt((r.numerator << (2 * k)) // r.denominator),
                              1 << k))


def _reference_nrmse(t, p):
    """sqrt(mean((t - p)^2)) / std(t) per column, in exact rational arithmetic
    on the float64 inputs, rounded once (the formula without overflow)."""
    from fractions import Fraction
    out = []
    for j in range(t.shape[1]):
        tj = [Fraction(float(v)) for v in t[:, j]]
        pj = [Fraction(float(v)) for v in p[:, j]]
        n = len(tj)
        mse = sum((x - y) ** 2 for x, y in zip(tj, pj)) / n
        mean = sum(tj) / n
        var = sum((x - mean) ** 2 for x in tj) / n
        out.append(_sqrt_fraction(mse / var) if mse else 0.0)
    return np.array(out)


@budget(100)
@given(data=metric_arrays(), multi=st.sampled_from(
    ["raw_values", "uniform_average", [0.5, 0.5], [0, 0], [1, -1], [np.nan, 1], "bad",
     np.array([2.0, 1.0]), [1], None, 3]))
def test_nrmse(data, multi):
    a, b, how = data
    note(how)
    if how == "nan" and a.size:
        a = a.copy()
        a.flat[0] = np.nan
    if how == "inf" and b.size:
        b = b.copy()
        b.flat[-1] = np.inf
    y_true, y_pred = _as_presented(a, how), _as_presented(b, how)
    if how == "string":
        y_pred = np.full(b.shape, "x")
    if how == "complex":
        y_true = a + 0j
    if how == "mismatch":
        y_pred = b[:-1] if len(b) else np.ones(1)
    if how == "3d":
        y_true = y_pred = a[..., None, None]
    if how == "object_hugeint" and a.size:
        y_true = a.astype(object)
        y_true.flat[0] = 10 ** 400
    if how == "ragged":
        y_true = [[1.0, 2.0], [3.0]]
    if how == "none":
        y_true = None
    status, out = outcome(lambda: metrics.nrmse(y_true, y_pred, multioutput=multi))
    if status == "refused":
        assert_refused_naming(out, "y_true", "y_pred", "multioutput")
        return
    t = np.asarray(y_true, dtype=np.float64).reshape(len(a), -1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(len(a), -1)
    ref = _reference_nrmse(t, p)
    got = np.atleast_1d(out)
    if isinstance(multi, str) and multi == "raw_values":
        assert got.shape == (t.shape[1],)
        # finite unless the true ratio itself is beyond the float range
        np.testing.assert_allclose(got, ref, rtol=1e-12)
    else:
        w = None if isinstance(multi, str) else np.asarray(multi, dtype=float)
        assert isinstance(out, float)
        assert out == pytest.approx(float(np.average(ref, weights=w)), rel=1e-12)


@budget(80)
@given(n=st.integers(0, 30), k=st.integers(0, 4), scale=SCALES,
       max_delay=st.sampled_from([None, None, 0, 1, 2, 5, 1.5, np.int8(1), "2", -1,
                                  True]),
       how=st.sampled_from(["float", "float", "object", "int", "nan", "constant_u",
                            "constant_col", "u2d", "u_wide", "rows"]),
       seed=st.integers(0, 5))
def test_memory_capacity(n, k, scale, max_delay, how, seed):
    rng = np.random.RandomState(seed)
    u = rng.uniform(-1, 1, n) * scale
    Y = (np.column_stack([np.roll(u, d) for d in range(1, k + 1)]) if k else
         np.empty((n, 0))) + rng.normal(scale=0.3 * scale, size=(n, k))
    if how == "object":
        u, Y = u.astype(object), Y.astype(object)
    elif how == "int":
        u = np.round(u / max(np.abs(u).max(initial=0), 1e-300) * 9).astype(int)
    elif how == "nan" and Y.size:
        Y.flat[0] = np.nan
    elif how == "constant_u":
        u = np.full(n, 2.0)
    elif how == "constant_col" and k:
        Y[:, 0] = 0.5
    elif how == "u2d":
        u = u[:, None]
    elif how == "u_wide":
        u = np.column_stack([u, u])
    elif how == "rows":
        Y = Y[:-1]
    status, out = outcome(lambda: metrics.memory_capacity(u, Y, max_delay=max_delay,
                                                          return_per_delay=True))
    if status == "refused":
        assert_refused_naming(out, "u", "Y_pred", "max_delay")
        return
    mc, per = out
    K = Y.shape[1] if max_delay is None else int(max_delay)
    assert per.shape == (K,) and np.isfinite(per).all() and math.isfinite(mc)
    assert np.all((per >= 0) & (per <= 1)) and mc == pytest.approx(per.sum())
    uf = np.asarray(u, dtype=np.float64).ravel()
    Yf = np.asarray(Y, dtype=np.float64)
    for d in range(1, K + 1):               # the squared Pearson correlation
        x, z = uf[: len(uf) - d], Yf[d:, d - 1]
        if np.all(z == z[0]):
            assert per[d - 1] == 0.0
            continue
        x = x / np.abs(x).max()
        z = z / np.abs(z).max()
        r = np.corrcoef(x, z)[0, 1]
        assert per[d - 1] == pytest.approx(min(r * r, 1.0), rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------------------
# 6. datasets
# ---------------------------------------------------------------------------

SIZE = st.one_of(st.integers(1, 40), st.sampled_from(
    [0, -1, 1.5, 10 ** 18, 2 ** 70, None, "5", np.int16(20), np.uint8(7), True]))
REAL = st.one_of(st.floats(-2, 40, allow_nan=False), st.sampled_from(
    [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e-300, None, "1", np.float32(0.2),
     np.float16(0.1), np.int8(2), 0, True]))
SEED = st.sampled_from([0, 1, None, np.random.RandomState(0), -1, 2 ** 40, "s",
                        np.random.default_rng(0), 1.5])


def _check_generated(call, shapes, params):
    status, out = outcome(call)
    if status == "refused":
        assert_refused_naming(out, *params)
        return None
    out = out if isinstance(out, tuple) else (out,)
    for a, shape in zip(out, shapes):
        assert a.dtype == np.float64 and a.shape == shape and np.isfinite(a).all()
    return out


@budget(60)
@given(n=SIZE, tau=st.one_of(st.sampled_from([17, 1, 2.5, 0.1]), REAL),
       a=REAL, b=st.one_of(st.sampled_from([0.1, 0.0]), REAL),
       n_exp=st.one_of(st.sampled_from([10, 2]), REAL), dt=st.one_of(st.sampled_from([0.1, 0.5]), REAL),
       subsample=st.one_of(st.integers(1, 3), SIZE), discard=st.one_of(st.integers(0, 5), SIZE),
       noise=st.sampled_from([0.01, 0.0, -0.1, 5.0, np.nan]), seed=SEED)
def test_mackey_glass_arguments(n, tau, a, b, n_exp, dt, subsample, discard, noise, seed):
    kw = dict(tau=tau, a=a, b=b, n=n_exp, dt=dt, subsample=subsample, discard=discard,
              history_noise=noise, random_state=seed)
    # keep valid runs short: at most ~100,000 Euler steps
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
           for v in (n, tau, dt, subsample, discard)) and dt > 0 and tau > 0:
        if (abs(discard) + abs(n)) * abs(subsample) + tau / dt > 1e5:
            return
    out = _check_generated(lambda: datasets.mackey_glass(n, **kw),
                           [(int(n),) if isinstance(n, Integral) else None],
                           ["n_timesteps", *kw, "n", "tau / dt", "b * dt", "Mackey-Glass"])
    if out is not None and not isinstance(seed, np.random.RandomState) and seed is not None:
        np.testing.assert_array_equal(out[0], datasets.mackey_glass(n, **kw))


@budget(60)
@given(n=SIZE, order=st.one_of(st.integers(1, 12), SIZE), washout=st.one_of(st.integers(0, 20), SIZE),
       max_tries=st.one_of(st.integers(1, 3), SIZE), seed=SEED)
def test_narma_arguments(n, order, washout, max_tries, seed):
    if isinstance(n, int) and isinstance(washout, int) and n + max(washout, 0) > 10 ** 5 \
            and n < 10 ** 12:
        return
    out = _check_generated(
        lambda: datasets.narma(n, order=order, washout=washout, max_tries=max_tries,
                               random_state=seed),
        [(int(n),) if isinstance(n, Integral) else None] * 2,
        ["n_timesteps", "order", "washout", "max_tries", "random_state", "NARMA"])
    if out is not None:
        assert np.all((out[0] >= 0) & (out[0] <= 0.5)) and np.all(np.abs(out[1]) <= 1e3)


@budget(60)
@given(n=SIZE, dt=st.one_of(st.sampled_from([0.01, 0.02]), REAL), sigma=REAL, rho=REAL,
       beta=REAL, discard=st.one_of(st.integers(0, 50), SIZE),
       x0=st.sampled_from([None, [1.0, 2.0, 3.0], [1.0, 2.0], [np.nan, 0, 0], "abc",
                           np.ones(3, dtype=np.int8), [1e308, 1e308, 1e308]]), seed=SEED)
def test_lorenz_arguments(n, dt, sigma, rho, beta, discard, x0, seed):
    if isinstance(n, int) and isinstance(discard, int) and n + max(discard, 0) > 10 ** 5 \
            and n < 10 ** 12:
        return
    _check_generated(
        lambda: datasets.lorenz(n, dt=dt, sigma=sigma, rho=rho, beta=beta, x0=x0,
                                discard=discard, random_state=seed),
        [(int(n), 3) if isinstance(n, Integral) else None],
        ["n_timesteps", "dt", "sigma", "rho", "beta", "x0", "discard", "random_state",
         "Lorenz"])


@budget(60)
@given(n=SIZE, max_delay=st.one_of(st.integers(1, 10), SIZE),
       distribution=st.sampled_from(["uniform", "normal", "beta", None, 1]), seed=SEED)
def test_memory_capacity_task_arguments(n, max_delay, distribution, seed):
    out = _check_generated(
        lambda: datasets.memory_capacity_task(n, max_delay, random_state=seed,
                                              distribution=distribution),
        [(int(n), 1) if isinstance(n, Integral) else None,
         (int(n), int(max_delay)) if isinstance(n, Integral) and isinstance(max_delay, Integral)
         else None],
        ["n_timesteps", "max_delay", "distribution", "random_state"])
    if out is not None:
        u, Y = out
        for d in range(1, Y.shape[1] + 1):
            np.testing.assert_array_equal(Y[d:, d - 1], u[:-d, 0])


@budget(40)
@given(values=hnp.arrays(np.float64, st.integers(0, 6),
                         elements=st.floats(allow_nan=True, allow_infinity=True)),
       how=st.sampled_from(["array", "list", "object", "string"]))
def test_squash_round_trip(values, how):
    data = {"array": values, "list": values.tolist(), "object": values.astype(object),
            "string": np.array(["a"] * len(values))}[how]
    status, sq = outcome(lambda: datasets.mackey_glass_squash(data))
    if status == "refused":
        assert how == "string"
        return
    np.testing.assert_array_equal(sq, np.tanh(values - 1.0))
    status, back = outcome(lambda: datasets.mackey_glass_unsquash(sq))
    if status == "refused":
        assert_refused_naming(back, "y")
        assert not np.all(np.abs(sq) < 1)
        return
    finite = np.isfinite(values) & (np.abs(values - 1) < 15)
    np.testing.assert_allclose(back[finite], values[finite], rtol=1e-6, atol=1e-6)

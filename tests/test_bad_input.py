"""Bad input gets a clear error that names the argument."""

import numpy as np
import pytest

from reservoir import ESNRegressor, Reservoir

X = np.random.RandomState(0).randn(50, 2)
y = X[:, 0]


@pytest.mark.parametrize("Xbad,match", [
    (np.where(np.arange(100).reshape(50, 2) == 33, np.nan, X), "X contains NaN at row 16, column 1"),
    (np.where(np.arange(100).reshape(50, 2) == 8, np.inf, X), "X contains infinity at row 4"),
    (X[:, 0], "Expected 2D array, got 1D"),
    (X[None, None], "Expected 2D array, got 4D"),
    ([], "X is an empty list"),
    (X.astype(complex), "Complex data not supported"),
    (np.array([["a", "b"]] * 50), "pass numeric data"),
    (np.zeros((0, 2)), "0 timesteps"),
])
def test_bad_X(Xbad, match):
    with pytest.raises(ValueError, match=match):
        ESNRegressor(n_reservoir=5).fit(Xbad, y if np.ndim(Xbad) == 2 and len(Xbad) == 50 else None)


def test_bad_y_and_alignment():
    with pytest.raises(ValueError, match="y has 49 timesteps but X has 50"):
        ESNRegressor(n_reservoir=5).fit(X, y[:-1])
    with pytest.raises(ValueError, match="y contains NaN at row 3"):
        ESNRegressor(n_reservoir=5).fit(X, np.where(np.arange(50) == 3, np.nan, y))
    with pytest.raises(ValueError, match="requires y to be passed"):
        ESNRegressor(n_reservoir=5).fit(X, None)
    seqs = [X[:20], X[20:]]
    with pytest.raises(ValueError, match=r"y \(sequence 1\) has 29 timesteps but X \(sequence 1\) has 30"):
        ESNRegressor(n_reservoir=5).fit(seqs, [y[:20], y[20:49]])
    with pytest.raises(ValueError, match="must be a list of the same length"):
        ESNRegressor(n_reservoir=5).fit(seqs, y)
    with pytest.raises(ValueError, match="y has 1 sequences but X has 2"):
        ESNRegressor(n_reservoir=5).fit(seqs, [y[:20]])


def test_washout_longer_than_sequence():
    with pytest.raises(ValueError, match=r"washout=50 must be smaller than the sequence length \(50\)"):
        ESNRegressor(n_reservoir=5, washout=50).fit(X, y)
    with pytest.raises(ValueError, match=r"\(sequence 1\)"):
        ESNRegressor(n_reservoir=5, washout=10).fit([X[:20], X[20:25]], [y[:20], y[20:25]])


@pytest.mark.parametrize("params,exc,match", [
    ({"n_reservoir": 0}, ValueError, "n_reservoir=0 must be in"),
    ({"n_reservoir": 2.5}, TypeError, "n_reservoir=2.5 must be an integer"),
    ({"spectral_radius": -1}, ValueError, "spectral_radius=-1"),
    ({"density": 0.0}, ValueError, r"density=0.0 must be in \(0"),
    ({"density": 1.5}, ValueError, "density=1.5"),
    ({"leak_rate": 0}, ValueError, "leak_rate=0"),
    ({"alpha": -1e-3}, ValueError, "alpha=-0.001"),
    ({"alpha": "big"}, TypeError, "alpha='big' must be a real number"),
    ({"washout": -1}, ValueError, "washout=-1"),
    ({"activation": "relu"}, ValueError, "activation='relu' must be one of"),
    ({"input_scaling": [1.0, 2.0, 3.0]}, ValueError, "input_scaling has 3 values but X has 2 features"),
    ({"input_scaling": -1.0}, ValueError, "input_scaling=-1.0"),
    ({"n_jobs": 0}, ValueError, "n_jobs=0"),
    ({"include_input": "yes"}, TypeError, "include_input='yes'"),
    ({"solver": "svd"}, ValueError, "solver='svd' must be 'cholesky', 'qr' or 'rls'"),
])
def test_parameters_out_of_range(params, exc, match):
    with pytest.raises(exc, match=match):
        ESNRegressor(**params).fit(X, y)


def test_predict_checks_features_and_fitting():
    esn = ESNRegressor(n_reservoir=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but ESNRegressor is expecting 2"):
        esn.predict(np.zeros((10, 3)))
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        ESNRegressor().predict(X)
    with pytest.raises(ValueError, match="pass their future values as X_future"):
        esn.generate(5)
    with pytest.raises(ValueError, match="generate feeds outputs back"):
        ESNRegressor(n_reservoir=5).fit(X[:, :1], X).generate(5)
    with pytest.raises(ValueError, match="n_steps=0"):
        ESNRegressor(n_reservoir=5).fit(X[:, :1], y).generate(0)
    with pytest.raises(TypeError, match="sparse input is not supported"):
        import scipy.sparse as sp
        Reservoir(n_reservoir=5).fit(sp.csr_matrix(X))
    with pytest.raises(ValueError, match="continue_state=True needs a previous call"):
        ESNRegressor(n_reservoir=5).partial_fit(X, y, continue_state=True)


# ---------------------------------------------------------------------------
# Regressions of the fuzz campaign (issue: lists of frames, NumPy scalars,
# scales, messages that name the argument)
# ---------------------------------------------------------------------------

import warnings

import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from reservoir import (CWRNNRegressor, GRURegressor, LSTMRegressor,
                       SimpleRNNRegressor)

_TINY = {ESNRegressor: dict(n_reservoir=8, random_state=0),
         SimpleRNNRegressor: dict(hidden_size=4, max_iter=1, random_state=0),
         GRURegressor: dict(hidden_size=4, max_iter=1, random_state=0),
         LSTMRegressor: dict(hidden_size=4, max_iter=1, random_state=0),
         CWRNNRegressor: dict(hidden_size=4, periods=(1, 2), max_iter=1,
                              random_state=0)}


def _fitted(Est, X_, y_):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Est(**_TINY[Est]).fit(X_, y_)


_FRAME = pd.DataFrame(X, columns=["a", "b"])


@pytest.mark.parametrize("Est", list(_TINY))
def test_list_of_frames_with_other_columns_is_refused_everywhere(Est):
    swapped = _FRAME[["b", "a"]]
    match = r"X \(sequence 1\) has columns \['b', 'a'\] but X \(sequence 0\) has \['a', 'b'\]"
    with pytest.raises(ValueError, match=match):
        Est(**_TINY[Est]).fit([_FRAME, swapped], [y, y])
    est = _fitted(Est, [_FRAME, _FRAME], [y, y])
    with pytest.raises(ValueError, match=match):
        est.predict([_FRAME, swapped])
    with pytest.raises(ValueError, match=match):
        est.score([_FRAME, swapped], [y, y])
    renamed = _FRAME.rename(columns={"b": "c"})
    with pytest.raises(ValueError, match=r"has columns \['a', 'c'\]"):
        est.predict([_FRAME, renamed])
    with pytest.raises(ValueError, match="pass every sequence the same way"):
        est.predict([_FRAME, X])
    # the same frames in the same order are accepted, and read by position.
    # Two sequences run as one batch, one alone: other BLAS shapes, so equal
    # to rounding (float32 networks: a few ulp of float32), not to the bit.
    rtol = 1e-12 if Est is ESNRegressor else 1e-5
    np.testing.assert_allclose(est.predict([_FRAME, _FRAME])[1], est.predict(_FRAME),
                               rtol=rtol, atol=rtol)


def test_reservoir_and_partial_fit_refuse_reordered_frames():
    res = Reservoir(n_reservoir=5, random_state=0)
    with pytest.raises(ValueError, match=r"X \(sequence 1\) has columns"):
        res.fit([_FRAME, _FRAME[["b", "a"]]])
    res.fit([_FRAME, _FRAME])
    with pytest.raises(ValueError, match=r"X \(sequence 1\) has columns"):
        res.transform([_FRAME, _FRAME[["b", "a"]]])
    esn = ESNRegressor(n_reservoir=5, random_state=0).partial_fit([_FRAME], [y])
    with pytest.raises(ValueError, match=r"X \(sequence 1\) has columns"):
        esn.partial_fit([_FRAME, _FRAME[["b", "a"]]], [y, y])


def test_list_of_target_frames_with_other_columns_is_refused():
    Y = pd.DataFrame({"p": y, "q": -y})
    with pytest.raises(ValueError, match=r"y \(sequence 1\) has columns \['q', 'p'\]"):
        ESNRegressor(n_reservoir=5).fit([X, X], [Y, Y[["q", "p"]]])


def test_series_names_kept_only_when_shared():
    """Targets as Series: the output is named like them only if they agree
    (pandas' rule when it combines Series), never after the first alone."""
    idx = pd.RangeIndex(50)
    frames = [_FRAME, _FRAME]
    same = [pd.Series(y, index=idx, name="load")] * 2
    pred = ESNRegressor(n_reservoir=5, random_state=0).fit(frames, same).predict(frames)
    assert [p.name for p in pred] == ["load", "load"]
    other = [same[0], same[0].rename("temp")]
    pred = ESNRegressor(n_reservoir=5, random_state=0).fit(frames, other).predict(frames)
    assert [p.name for p in pred] == [None, None]


def test_numpy_scalar_parameters_give_the_python_results():
    """np.int16(5) once overflowed (8388608 // np.int16(5)); the checked
    Python values are what the estimators compute with."""
    ref = ESNRegressor(n_reservoir=5, washout=3, alpha=1e-4, random_state=0).fit(X, y)
    got = ESNRegressor(n_reservoir=np.int16(5), washout=np.uint8(3),
                       alpha=np.float32(1e-4), n_jobs=np.int8(-1),
                       random_state=0).fit(X, y)
    # float32(1e-4) is not 1e-4: compare with the value it holds
    ref32 = ESNRegressor(n_reservoir=5, washout=3, alpha=float(np.float32(1e-4)),
                         random_state=0).fit(X, y)
    np.testing.assert_array_equal(got.predict(X), ref32.predict(X))
    np.testing.assert_allclose(got.predict(X), ref.predict(X), rtol=1e-5)
    assert isinstance(got.reservoir_.n_reservoir, int)
    assert type(got.get_params()["n_reservoir"]) is np.int16   # not changed by fit
    res = Reservoir(n_reservoir=np.int16(5), random_state=0).fit(X)
    np.testing.assert_array_equal(
        res.transform(X), Reservoir(n_reservoir=5, random_state=0).fit(X).transform(X))


def test_fractions_big_integers_and_durations_as_parameters():
    """A Fraction is a real number, 2**64 an integer (refused by name as a
    size, not by a NumPy overflow), and a timedelta64, which NumPy registers
    as an Integral, is refused as a duration with the fix."""
    from fractions import Fraction
    ref = ESNRegressor(n_reservoir=5, alpha=1 / 3, random_state=0).fit(X, y)
    got = ESNRegressor(n_reservoir=5, alpha=Fraction(1, 3), random_state=0).fit(X, y)
    np.testing.assert_array_equal(got.predict(X), ref.predict(X))
    with pytest.raises(ValueError, match="n_reservoir"):
        ESNRegressor(n_reservoir=2 ** 64).fit(X, y)
    with pytest.raises(TypeError, match=r"washout=np.timedelta64\(3,'s'\) is a "
                                        "timedelta64, not a number"):
        ESNRegressor(n_reservoir=5, washout=np.timedelta64(3, "s")).fit(X, y)


def test_numpy_scalar_parameters_of_the_recurrent_networks():
    """np.int8 batch_size and np.uint8 bptt_window overflowed in ``lo +
    batch_size`` / ``start + window`` once past 127 / 255."""
    rng = np.random.RandomState(1)
    seqs = [rng.randn(6, 2) for _ in range(300)]
    ys = [s[:, 0] for s in seqs]
    kw = dict(hidden_size=4, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = GRURegressor(batch_size=100, **kw).fit(seqs, ys)
        b = GRURegressor(batch_size=np.int8(100), **kw).fit(seqs, ys)
        long = rng.randn(700, 1)
        c = SimpleRNNRegressor(bptt_window=50, **kw).fit(long, long[:, 0])
        d = SimpleRNNRegressor(bptt_window=np.uint8(50), **kw).fit(long, long[:, 0])
    assert a.loss_curve_ == b.loss_curve_
    assert c.loss_curve_ == d.loss_curve_
    assert b.get_params()["batch_size"].dtype == np.int8


def test_score_checks_sample_weight():
    esn = ESNRegressor(n_reservoir=5, random_state=0).fit(X, y)
    w = np.ones(50)
    for bad, match in [(-w, "must be non-negative; found -1.0 at row 0"),
                       (np.where(np.arange(50) == 7, np.nan, w), "sample_weight contains NaN at row 7"),
                       (w[:10], r"sample_weight must have shape \(50,\)"),
                       (0 * w, "all zero")]:
        with pytest.raises(ValueError, match=match):
            esn.score(X, y, sample_weight=bad)
    ramp = np.linspace(0, 1, 50)
    from sklearn.metrics import r2_score
    assert esn.score(X, y, sample_weight=ramp) == pytest.approx(
        r2_score(y, esn.predict(X), sample_weight=ramp), rel=1e-12)


class _ScaledOutput(ESNRegressor):
    """An ESN whose predictions are multiplied by ``factor`` (set after fit)."""

    def predict(self, X_, **kw):
        return super().predict(X_, **kw) * self.factor


def test_score_is_scale_invariant_at_extreme_scales():
    """R^2 of targets and predictions both scaled by 1e-300 (or 1e300) is that
    of the originals; squaring them once under/overflowed to 0 (or inf)."""
    base = ESNRegressor(n_reservoir=5, random_state=0).fit(X, y).score(X, y)
    for factor in (1e-300, 1e300):
        est = _ScaledOutput(n_reservoir=5, random_state=0).fit(X, y)
        est.factor = factor
        assert est.score(X, y * factor) == pytest.approx(base, rel=1e-9)


def test_huge_inputs_name_the_argument_instead_of_linalg_errors():
    with pytest.raises(ValueError, match=r"readout cannot be fitted: X and y \(largest \|X\| = 2.55e\+300"):
        ESNRegressor(n_reservoir=5, random_state=0).fit(X * 1e300, y)
    # the QR readout never squares the inputs: at 1e300 it still finds y = u0
    qr = ESNRegressor(n_reservoir=5, solver="qr", random_state=0).fit(X * 1e300, y)
    np.testing.assert_allclose(qr.predict(X * 1e300), y, atol=1e-9)
    # targets far beyond float32 but whose products stay finite are fine
    esn = ESNRegressor(n_reservoir=5, random_state=0).fit(X, y * 1e200)
    np.testing.assert_allclose(
        esn.predict(X) / 1e200,
        ESNRegressor(n_reservoir=5, random_state=0).fit(X, y).predict(X), rtol=1e-6)


def test_overflowing_states_and_free_runs_are_errors_not_inf():
    res = Reservoir(n_reservoir=20, spectral_radius=3.0, activation="identity",
                    random_state=0)
    with pytest.warns(Warning):
        res.fit(X)
    with pytest.raises(ValueError, match="reservoir overflowed at step"):
        res.transform(np.tile(X, (40, 1)))
    u = X[:, :1]
    esn = ESNRegressor(n_reservoir=20, alpha=0.0, random_state=0).fit(u, 50 * u)
    with pytest.raises(ValueError, match="closed-loop run diverged"):
        esn.generate(2000)
    with pytest.raises(ValueError, match="n_steps=1000000000000000000 needs"):
        esn.generate(10**18)


@pytest.mark.parametrize("Xbad, exc, match", [
    ([[1.0, 2.0], [3.0]], ValueError, "X cannot be read as an array.*rectangular"),
    (np.array([["1.5", 2.0]] * 50, dtype=object), TypeError, r"holds the string '1.5' at position \(0, 0\)"),
    (np.array([[None, 2.0]] * 50, dtype=object), TypeError, "holds a missing value"),
    (np.array([[10**400, 2.0]] * 50, dtype=object), ValueError, "integer too large for float64"),
    (pd.DataFrame({"a": pd.array([1.0, None] * 25, dtype="Float64"), "b": 1.0}), ValueError,
     "X contains NaN at row 1, column 0"),
])
def test_input_messages_name_the_argument(Xbad, exc, match):
    with pytest.raises(exc, match=match):
        ESNRegressor(n_reservoir=5).fit(Xbad, y)


def test_object_arrays_of_numbers_are_numbers():
    obj = X.astype(object)
    obj[0, 0] = int(obj[0, 0] * 0) + 1            # a Python int among floats
    ref = X.copy()
    ref[0, 0] = 1.0
    a = ESNRegressor(n_reservoir=5, random_state=0).fit(obj, y).predict(obj)
    b = ESNRegressor(n_reservoir=5, random_state=0).fit(ref, y).predict(ref)
    np.testing.assert_array_equal(a, b)


def test_pandas_output_of_many_sequences_is_refused_by_name():
    """set_output(transform="pandas") once failed deep in NumPy ("setting an
    array element with a sequence") for a list of sequences."""
    res = Reservoir(n_reservoir=4, random_state=0).set_output(transform="pandas")
    states = res.fit_transform(_FRAME)
    assert isinstance(states, pd.DataFrame) and states.index.equals(_FRAME.index)
    for many in ([X, X[:5]], np.stack([X, X])):
        with pytest.raises(ValueError, match=r"set_output\(transform='pandas'\) gives one "
                                             r"table, but X holds 2 sequences"):
            res.transform(many)


def test_flags_of_predict_and_partial_fit_are_checked():
    esn = ESNRegressor(n_reservoir=5, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="return_state='yes' must be True or False"):
        esn.predict(X, return_state="yes")
    with pytest.raises(TypeError, match="continue_state=1 must be True or False"):
        esn.partial_fit(X, y, continue_state=1)


@pytest.mark.parametrize("params, match", [
    ({"random_state": -1}, r"random_state=-1 is not a valid seed"),
    ({"random_state": "seed"}, r"random_state='seed' is not a valid seed"),
    ({"n_reservoir": 2 ** 62}, r"n_reservoir=4611686018427387904 needs .* bytes"),
])
def test_seeds_and_sizes_name_the_parameter(params, match):
    with pytest.raises((TypeError, ValueError), match=match):
        ESNRegressor(**params).fit(X, y)


def test_recurrent_sizes_seeds_and_dtypes():
    with pytest.raises(ValueError, match=r"hidden_size=32 with num_layers=1000000000000 needs"):
        GRURegressor(num_layers=10 ** 12).fit(X, y)
    with pytest.raises(ValueError, match="random_state=-1 is not a valid seed"):
        GRURegressor(random_state=-1).fit(X, y)
    with pytest.raises(ValueError, match="dtype=None must be 'float32' or 'float64'"):
        GRURegressor(dtype=None).fit(X, y)
    # a NumPy type names the dtype as well as its string does
    a = _fitted(GRURegressor, X, y).set_params(dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y)
        b = GRURegressor(**dict(_TINY[GRURegressor], dtype="float64")).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.predict(X).dtype == np.float64


def test_a_learning_rate_that_overflows_the_weights_is_a_divergence():
    """lr=1e300 once left inf weights after the last step: predict then
    blamed X. The step that overflows is a divergence, named as such."""
    with pytest.raises(ValueError, match="loss or weights became non-finite in the "
                                         "first epoch; lower learning_rate_init"):
        SimpleRNNRegressor(hidden_size=4, max_iter=1, learning_rate_init=1e300,
                           random_state=0).fit(X, y)


@pytest.mark.parametrize("Est", list(_TINY))
def test_generate_checks_the_warm_up_columns_as_predict_checks_X(Est):
    est = _fitted(Est, _FRAME, y)
    future = np.zeros((2, 1))
    for bad, match in [(_FRAME[["b", "a"]], "X_warmup's column names cannot be used"),
                       (pd.DataFrame(X, columns=["a", 1]), "X_warmup's column names")]:
        with pytest.raises((TypeError, ValueError), match=match):
            est.generate(3, X_warmup=bad, X_future=future)
    assert np.isfinite(est.generate(3, X_warmup=_FRAME, X_future=future)).all()


def test_duplicate_column_names_are_refused_naming_X():
    dup = pd.DataFrame(X, columns=["a", "a"])
    with pytest.raises(ValueError, match="X's column names cannot be used.*unique"):
        ESNRegressor(n_reservoir=5).fit(dup, y)


class _FixedOutput(ESNRegressor):
    """An ESN whose predictions are replaced by ``output`` (set after fit)."""

    def predict(self, X_, **kw):
        return np.asarray(self.output, dtype=float)


@pytest.mark.parametrize("truth, output, expected", [
    # a constant target: 1 if predicted exactly, else 0 (scikit-learn's
    # convention); r2_score itself gives -1e30 here (the mean of six equal
    # values is not exactly that value)
    ([0.4] * 6, [0.5] * 6, 0.0),
    ([0.4] * 6, [0.4] * 6, 1.0),
    # 1e-300-scale truth against O(1) predictions: -1e600 rounds to -inf
    ([1e-300, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5], -np.inf),
    # squares of 1e-239 underflow in r2_score (which then says "constant")
    ([3e-239, 0.0], [3e-239, 1e-239], 1.0 - (1 / 9) / 0.5),
])
def test_score_at_the_edges_of_float(truth, output, expected):
    Xs = np.zeros((len(truth), 1))
    est = _FixedOutput(n_reservoir=3, random_state=0).fit(Xs, np.arange(len(truth)))
    est.output = output
    assert est.score(Xs, np.asarray(truth)) == pytest.approx(expected, rel=1e-12)

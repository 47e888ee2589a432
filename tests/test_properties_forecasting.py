"""Property-based tests of the forecasting package's public entry points.

Every drawn case either works -- finite output of the right structure on the
input's index, equal to an independent oracle where one exists -- or raises a
``ValueError``/``TypeError`` whose message names the argument at fault. Any
other exception, a hang, or output that disagrees with the oracle fails.

Inputs cover NaN/inf anywhere, empty and one-row series, values near 1e300 and
1e-300, bool/int/float16/float32/object/str/complex/datetime/categorical
dtypes, read-only, Fortran-ordered and strided data, every kind of pandas
index (RangeIndex, integers, DatetimeIndex with and without ``freq``,
tz-aware across DST, PeriodIndex, unsorted, duplicated, object, float, gaps,
MultiIndex, TimedeltaIndex) and parameters of the wrong type or out of range
(NumPy scalars included).

The default profile is derandomized (the same cases on every machine) and
small enough for the regular suite. For a longer campaign run::

    HYPOTHESIS_PROFILE=slow python -m pytest tests/test_properties_forecasting.py \
        --hypothesis-show-statistics

which draws 25 times as many cases per property, randomly.
"""

import decimal
import fractions
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import note  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from forecasting import (AnomalyDetector, Forecaster, NaiveForecaster,  # noqa: E402
                         RollingZScoreDetector, SeasonalNaiveDetector,
                         SeasonalNaiveForecaster, backtest)
from reservoir import ESNRegressor  # noqa: E402

from conftest import property_settings  # noqa: E402


def examples(n):
    """Settings for a property drawing ``n`` cases (25 n with the slow profile)."""
    return property_settings(n)


def tiny_esn():
    return ESNRegressor(n_reservoir=10, washout=5, random_state=0)


# -- what a failure must look like ----------------------------------------------
def names(exc, *arguments):
    """Does the message of ``exc`` name one of ``arguments`` as a word?"""
    msg = str(exc)
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(a)}(?![A-Za-z0-9_])", msg)
               for a in arguments)


def assert_named(exc, *arguments):
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    assert names(exc, *arguments), f"{arguments} not named in: {exc}"


def attempt(fn):
    """(result, None) or (None, exc) for a ValueError/TypeError; anything else
    propagates and fails the property."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(), None
    except (ValueError, TypeError) as exc:
        return None, exc


# -- indexes -------------------------------------------------------------------
_FREQS = ["h", "30min", "15s", "D", "W", "ME", "MS", "QE", "B"]
_TZ_STARTS = [("Europe/Berlin", "2024-03-30 20:00", "h"),
              ("Europe/Berlin", "2024-03-10", "D"),
              ("America/New_York", "2024-10-25", "D"),
              ("UTC", "2024-01-01", "h"),
              ("Asia/Kolkata", "2024-01-01", "30min")]
VALID_INDEXES = ["range", "int", "datetime", "datetime_nofreq", "tz", "tz_nofreq",
                 "period"]
BAD_INDEXES = ["unsorted", "duplicated", "object", "float", "gap", "int_uneven",
               "range_decreasing", "timedelta", "multi", "categorical"]


def _inferred(index, fallback):
    """The step of an index without ``freq`` is what pandas infers (three
    weekdays in a row are daily data: 'D' and 'B' cannot be told apart)."""
    if len(index) < 3:
        return fallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.tseries.frequencies.to_offset(pd.infer_freq(index))


@st.composite
def indexes(draw, n, kinds=None):
    """(index, kind, freq, valid): ``freq`` is the step a continuation takes
    (an offset, or an int for integer indexes); ``valid``: whether a series
    on it must be accepted."""
    kind = draw(st.sampled_from(kinds or VALID_INDEXES * 3 + BAD_INDEXES))
    start = draw(st.integers(-50, 50))
    step = draw(st.integers(1, 3))
    freq = draw(st.sampled_from(_FREQS))
    if kind == "range":
        return pd.RangeIndex(start, start + n * step, step), kind, step, True
    if kind == "int":
        # one integer label shows no step: the package then takes 1
        return (pd.Index(np.arange(n, dtype=np.int64) * step + start), kind,
                step if n > 1 else 1, True)
    if kind in ("datetime", "datetime_nofreq"):
        idx = pd.date_range("2024-01-01", periods=n, freq=freq)
        if kind == "datetime":
            return idx, kind, idx.freq, True
        bare = pd.DatetimeIndex(idx.to_numpy())
        return bare, kind, _inferred(bare, idx.freq), n >= 3
    if kind in ("tz", "tz_nofreq"):
        tz, first, f = draw(st.sampled_from(_TZ_STARTS))
        idx = pd.date_range(first, periods=n, freq=f, tz=tz)
        if kind == "tz":
            return idx, kind, idx.freq, True
        bare = pd.DatetimeIndex(list(idx), dtype=idx.dtype)
        return bare, kind, _inferred(bare, idx.freq), n >= 3
    if kind == "period":
        pf = draw(st.sampled_from(["M", "Q", "D", "h", "Y"]))
        idx = pd.period_range("2000-01-01", periods=n, freq=pf)
        return idx, kind, idx.freq, True
    # kinds that must be refused (when long enough to show the defect)
    base = pd.date_range("2024-01-01", periods=n + 1, freq="h")
    if kind == "unsorted" and n >= 2:
        i = draw(st.integers(0, n - 2))
        order = list(range(n))
        order[i], order[i + 1] = order[i + 1], order[i]
        return base[:n][order], kind, None, False
    if kind == "duplicated" and n >= 2:
        i = draw(st.integers(1, n - 1))
        return base[:n][[*range(i), i - 1, *range(i + 1, n)]], kind, None, False
    if kind == "object":
        return pd.Index([f"t{i}" for i in range(n)], dtype=object), kind, None, n == 0
    if kind == "float":
        return pd.Index(np.arange(n) * 0.5), kind, None, n == 0
    if kind == "gap" and n >= 3:
        i = draw(st.integers(1, n - 1))
        return pd.DatetimeIndex(base.delete(i).to_numpy()), kind, None, False
    if kind == "int_uneven" and n >= 3:
        v = np.arange(n, dtype=np.int64)
        v[draw(st.integers(2, n - 1)):] += 1
        return pd.Index(v), kind, None, False
    if kind == "range_decreasing" and n >= 2:
        return pd.RangeIndex(n, 0, -1), kind, None, False
    if kind == "timedelta":
        return pd.timedelta_range(0, periods=n, freq="h"), kind, None, n == 0
    if kind == "multi":
        return (pd.MultiIndex.from_arrays([np.arange(n), np.arange(n)]), kind, None,
                n == 0)
    if kind == "categorical":
        return pd.CategoricalIndex(np.arange(n)), kind, None, n == 0
    return pd.RangeIndex(n), "range", 1, True       # too short to be wrong


def continuation_index(index, kind, freq, n):
    """The ``n`` labels after ``index``, built independently of the package."""
    if kind in ("range", "int"):
        last = int(index[-1])
        return pd.RangeIndex(last + freq, last + freq * (n + 1), freq)
    if kind == "period":
        return pd.PeriodIndex([index[-1] + i for i in range(1, n + 1)])
    return pd.DatetimeIndex([index[-1] + i * freq for i in range(1, n + 1)])


# -- values --------------------------------------------------------------------
GOOD_DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool",
               "object_numbers", "Int64", "Float64", "decimal"]
BAD_DTYPES = ["complex", "complex_object", "datetime", "timedelta", "str",
              "object_str", "category", "timestamp_object"]
SCALES = [1.0, 1.0, 1.0, 3.7, 1e300, 1e-300, 1e154, 1e-154, 1e10]


def _with_dtype(col, dtype, rng):
    """Cast a float column; the returned kind says how to read it."""
    n = len(col)
    if dtype in ("float64", "float32", "float16"):
        with np.errstate(over="ignore"):
            return col.astype(dtype)
    if dtype in ("int64", "int8", "uint8"):
        ints = np.round(np.nan_to_num(col, nan=0, posinf=0, neginf=0) % 100)
        return ints.astype(dtype)
    if dtype == "bool":
        clean = np.nan_to_num(col, nan=0.0, posinf=0.0, neginf=0.0)
        return clean > np.median(clean) if n else col.astype(bool)
    if dtype == "object_numbers":       # ints, floats and NaN mixed
        out = col.astype(object)
        out[::3] = [int(v) if np.isfinite(v) and abs(v) < 1e15 else v
                    for v in col[::3]]
        return out
    if dtype == "Int64":
        ints = pd.array(np.round(np.nan_to_num(col, nan=0, posinf=0, neginf=0) % 100)
                        .astype(np.int64), dtype="Int64")
        ints[np.isnan(col)] = pd.NA
        return ints
    if dtype == "Float64":
        return pd.array(col, dtype="Float64")
    if dtype == "decimal":
        return np.array([decimal.Decimal(repr(float(v))) for v in col], dtype=object)
    if dtype == "complex":
        return col.astype(complex) + 0.5j
    if dtype == "complex_object":
        out = col.astype(object)
        if n:
            out[rng.integers(n)] = 1 + 2j
        return out
    if dtype == "datetime":
        return pd.date_range("2020", periods=n, freq="D").to_numpy()
    if dtype == "timedelta":
        return pd.to_timedelta(np.arange(n), unit="s").to_numpy()
    if dtype == "str":
        return pd.array([str(v) for v in col], dtype="str")
    if dtype == "object_str":
        out = col.astype(object)
        if n:
            out[rng.integers(n)] = "1.5"
        return out
    if dtype == "category":
        return pd.Categorical(col)
    if dtype == "timestamp_object":
        out = col.astype(object)
        if n:
            out[rng.integers(n)] = pd.Timestamp("2020")
        return out
    raise AssertionError(dtype)


@st.composite
def series_cases(draw, min_rows=0, max_rows=70, index_kinds=None, dtypes=None,
                 specials=True, one_column=None, scales=SCALES):
    """A pandas Series or DataFrame and what the package must make of it.

    Returns a dict: ``y``; ``values`` (the float values a correct reading
    gives, or None when the dtype must be refused); ``index_valid``;
    ``kind``/``freq`` (to continue the index); ``make(n)`` for a valid
    continuation of ``n`` rows with the same dtype.
    """
    n = draw(st.integers(min_rows, max_rows))
    k = 1 if one_column else draw(st.sampled_from([1, 1, 1, 2, 3]))
    as_series = k == 1 and (one_column or draw(st.booleans()))
    index, kind, freq, index_valid = draw(indexes(n, index_kinds))
    dtype = draw(st.sampled_from(dtypes or GOOD_DTYPES * 3 + BAD_DTYPES))
    scale = draw(st.sampled_from(scales))
    seed = draw(st.integers(0, 2**16))
    layout = draw(st.sampled_from(["c", "fortran", "strided", "readonly"]))
    specials = specials and draw(st.integers(0, 3)) == 0      # a quarter of them
    injections = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                         st.integers(0, k - 1),
                                         st.sampled_from([np.nan, np.inf, -np.inf])),
                               min_size=1, max_size=2)) if specials else []
    rng = np.random.default_rng(seed)

    def block(rows, offset):
        t = np.arange(offset, offset + rows)[:, None]
        periods = np.array([7.0, 12.0, 5.0])[:k]
        return scale * (np.sin(2 * np.pi * t / periods) + 1.5
                        + 0.3 * rng.standard_normal((rows, k)))

    def frame_of(raw, idx, inject):
        raw = raw.copy()
        if inject:
            for where, col, value in injections:
                if len(raw):
                    raw[int(where * len(raw)), col] = value
        if layout == "fortran":
            raw = np.asfortranarray(raw)
        elif layout == "strided":
            wide = np.empty((len(raw), 2 * k))
            wide[:, ::2] = raw
            raw = wide[:, ::2]
        elif layout == "readonly":
            raw.setflags(write=False)
        cols = {f"c{j}": _with_dtype(raw[:, j], dtype, rng) for j in range(k)}
        if as_series:
            return pd.Series(cols["c0"], index=idx, name=draw_name)
        return pd.DataFrame(cols, index=idx)

    draw_name = draw(st.sampled_from(["load", None, 0]))
    y = frame_of(block(n, 0), index, True)
    values = None
    if dtype in GOOD_DTYPES:
        frame = y.to_frame() if isinstance(y, pd.Series) else y
        values = np.array([[float(v) if v is not pd.NA else np.nan for v in row]
                           for row in frame.astype(object).to_numpy()],
                          dtype=np.float64).reshape(n, k)

    def make(rows):
        idx = continuation_index(index, kind, freq, rows)
        return frame_of(block(rows, n), idx, False)

    return dict(y=y, values=values, index_valid=index_valid, kind=kind, freq=freq,
                make=make, n=n, k=k, dtype=dtype, layout=layout)


def verdict(case, nan_policy="raise"):
    """None if the series must be accepted, else the reason it must not be."""
    if case["n"] == 0:
        return "empty"
    if not case["index_valid"]:
        return "index"
    if case["values"] is None:
        return "dtype"
    v = case["values"]
    if np.isinf(v).any():
        return "inf"
    nan = np.isnan(v)
    if nan.any():
        if nan_policy == "raise":
            return "nan"
        if nan[0].any() or nan[-1].any():
            return "nan at an end"
    return None


def filled(values):
    """Linear interpolation of interior NaN, column by column (the oracle of
    nan_policy='interpolate')."""
    out = values.copy()
    pos = np.arange(len(values))
    for j in range(values.shape[1]):
        miss = np.isnan(values[:, j])
        if miss.any():
            out[miss, j] = np.interp(pos[miss], pos[~miss], values[~miss, j])
    return out


def future_of(case, h):
    return continuation_index(case["y"].index, case["kind"], case["freq"], h)


def check_structure(out, case, index):
    """Pandas out on ``index``, named like the input, finite."""
    y = case["y"]
    if isinstance(y, pd.Series):
        assert isinstance(out, pd.Series) and out.name == y.name
    else:
        assert isinstance(out, pd.DataFrame) and list(out.columns) == list(y.columns)
    assert out.index.equals(index), (out.index, index)
    assert np.isfinite(out.to_numpy(dtype=np.float64)).all()


# -- the baselines: exact oracles -----------------------------------------------
@examples(300)
@hypothesis.given(case=series_cases(), m=st.integers(1, 5),
                  nan_policy=st.sampled_from(["raise", "interpolate"]),
                  h=st.integers(1, 12), seasonal=st.booleans(),
                  extra=st.integers(1, 8))
def test_baselines_forecast_exactly_or_refuse_by_name(case, m, nan_policy, h,
                                                     seasonal, extra):
    note(f"dtype={case['dtype']} kind={case['kind']} layout={case['layout']}")
    make = ((lambda: SeasonalNaiveForecaster(m, nan_policy=nan_policy)) if seasonal
            else (lambda: NaiveForecaster(nan_policy=nan_policy)))
    y = case["y"]
    model, err = attempt(lambda: make().fit(y))
    why = verdict(case, nan_policy)
    hypothesis.event("series: " + (why or "valid") + (", refused" if err else ", accepted"))
    if why is not None:
        assert err is not None, f"accepted a series with {why}"
        assert_named(err, "y")
        return
    if seasonal and case["n"] < m:
        assert_named(err, "y", "season_length")
        return
    assert err is None, err
    Y = filled(case["values"])
    np.testing.assert_array_equal(model._Y, Y)
    last = Y[-m:] if seasonal else Y[-1:]
    expected = np.tile(last, (-(-h // len(last)), 1))[:h]
    pred = model.predict(h)
    check_structure(pred, case, future_of(case, h))
    np.testing.assert_array_equal(pred.to_numpy(dtype=np.float64).reshape(h, -1),
                                  expected)
    # a continuation of the same kind is accepted and moves the forecast on
    new = case["make"](extra)
    model.update(new)
    Y2 = np.vstack([Y, np.asarray(new, dtype=np.float64).reshape(extra, -1)])
    last = Y2[-m:] if seasonal else Y2[-1:]
    expected = np.tile(last, (-(-h // len(last)), 1))[:h]
    pred = model.predict(h)
    assert pred.index[0] == future_of(dict(case, y=pd.Series(
        0.0, index=case["y"].index.append(new.index))), 1)[0]
    np.testing.assert_array_equal(pred.to_numpy(dtype=np.float64).reshape(h, -1),
                                  expected)
    # one that does not continue is refused, naming y_new
    _, err = attempt(lambda: model.update(case["make"](extra)))
    assert_named(err, "y_new")


# -- horizons and intervals -------------------------------------------------------
HORIZONS = st.one_of(
    st.integers(-3, 30), st.just(10**18), st.just(10**7 + 1),
    st.builds(lambda t, v: t(v), st.sampled_from([np.int8, np.uint8, np.int64,
                                                  np.uint64]), st.integers(0, 20)),
    st.sampled_from([1.5, 2.0, True, np.True_, "3", None, np.float32(2),
                     np.timedelta64(2, "s"), decimal.Decimal(2), [2]]))


def horizon_valid(h):
    # np.timedelta64 subclasses np.integer; it is no number of steps
    return (isinstance(h, (int, np.integer))
            and not isinstance(h, (bool, np.bool_, np.timedelta64))
            and 1 <= int(h) <= 10**7)


@examples(150)
@hypothesis.given(case=series_cases(min_rows=30, index_kinds=VALID_INDEXES,
                                    dtypes=["float64", "int64", "float32"],
                                    specials=False),
                  h=HORIZONS,
                  coverage=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                     st.sampled_from([0.9, np.float32(0.8), 0, 1,
                                                      "90%", None, True])))
def test_horizon_and_coverage_arguments(case, h, coverage):
    hypothesis.assume(verdict(case) is None)
    model = NaiveForecaster(calibration_size=20).fit(case["y"])
    pred, err = attempt(lambda: model.predict(h))
    if not horizon_valid(h):
        assert_named(err, "horizon")
        return
    if err is not None:          # the future lies beyond pandas' dates
        assert_named(err, "horizon")
        assert "beyond the dates" in str(err)
        return
    assert len(pred) == int(h)
    if int(h) <= 30:
        assert pred.index.equals(future_of(case, int(h)))
    # future labels as an index: a subset of the same forecast
    if 2 <= int(h) <= 30:
        sub = pred.index[::2]
        np.testing.assert_array_equal(model.predict(sub).to_numpy(),
                                      pred.to_numpy()[::2])
    if int(h) > 10:
        return
    iv, err = attempt(lambda: model.predict_interval(int(h), coverage=coverage))
    ok = (isinstance(coverage, (float, int, np.floating))
          and not isinstance(coverage, (bool, np.bool_))
          and math.isfinite(coverage) and 0 < coverage < 1)
    if not ok:
        assert_named(err, "coverage")
        return
    assert err is None, err
    assert iv.index.equals(pred.index)
    assert np.isfinite(iv.to_numpy()).all()
    lower = iv.xs("lower", axis=1, level=1) if iv.columns.nlevels > 1 else iv[["lower"]]
    upper = iv.xs("upper", axis=1, level=1) if iv.columns.nlevels > 1 else iv[["upper"]]
    point = pred.to_numpy(dtype=np.float64).reshape(len(pred), -1)
    assert (lower.to_numpy() <= point).all() and (point <= upper.to_numpy()).all()


# -- the Forecaster ---------------------------------------------------------------
FORECASTER_PARAMS = st.fixed_dictionaries({
    "strategy": st.sampled_from(["recursive", "recursive", "direct"]),
    "trend": st.sampled_from(["auto", "none", "difference", "linear"]),
    "seasonality": st.sampled_from(["fourier", "none", "difference"]),
    "season_length": st.sampled_from(["auto", None, 4, 7.5, (3, 12.0), np.int8(6)]),
    "n_fourier": st.sampled_from([0, 1, 3, np.uint8(2)]),
    "scale": st.sampled_from([True, False, np.True_]),
    "context_length": st.sampled_from([None, 12, np.uint8(20), np.int64(40)]),
    "calibration_size": st.sampled_from([0.2, np.float32(0.3), 10, np.int16(15)]),
    "nan_policy": st.sampled_from(["raise", "interpolate"]),
})


@examples(120)
@hypothesis.given(case=series_cases(), params=FORECASTER_PARAMS,
                  h=st.integers(1, 6), extra=st.integers(1, 6),
                  interval=st.integers(0, 9))
def test_forecaster_forecasts_finitely_or_refuses_by_name(case, params, h, extra,
                                                         interval):
    note(f"dtype={case['dtype']} kind={case['kind']} layout={case['layout']}")
    params = dict(params, max_horizon=6 if params["strategy"] == "direct" else None)
    f, err = attempt(lambda: Forecaster(tiny_esn(), **params).fit(case["y"]))
    why = verdict(case, params["nan_policy"])
    hypothesis.event("series: " + (why or "valid") + (", refused" if err else ", accepted"))
    if why is not None:
        assert err is not None, f"accepted a series with {why}"
        assert_named(err, "y")
        return
    if err is not None:
        # valid data may be too short for washout + differencing + horizon, or
        # have no season to difference at: both say so
        if "needs a season" in str(err):
            assert params["seasonality"] == "difference"
            assert_named(err, "season_length")
            return
        assert_named(err, "y")
        assert "too short" in str(err), err
        lags = 1 + (math.ceil(max(np.atleast_1d(params["season_length"] or 0)
                                  if params["season_length"] != "auto" else [366]))
                    if params["seasonality"] == "difference" else 0)
        assert case["n"] <= 5 + 6 + lags + 3, (case["n"], err)
        return
    pred = f.predict(h)
    check_structure(pred, case, future_of(case, h))
    f.update(case["make"](extra))
    check_structure(f.predict(h), case, future_of(dict(case, y=pd.Series(
        0.0, index=case["y"].index.append(case["make"](extra).index))), h))
    if interval == 0:            # intervals cost a rolling backtest: sometimes
        iv, err = attempt(lambda: f.predict_interval(2))
        if err is not None:
            assert_named(err, "calibration_size", "predict_interval")
        else:
            assert np.isfinite(iv.to_numpy()).all() and len(iv) == 2


@examples(25)
@hypothesis.given(case=series_cases(min_rows=40, index_kinds=VALID_INDEXES,
                                    dtypes=["float64"], specials=False,
                                    scales=[1.0, 3.7, 1e10, 1e-154]),
                  k=st.sampled_from([-1020, -600, -200, 200, 600, 1000]),
                  trend=st.sampled_from(["none", "difference", "linear"]))
def test_forecaster_is_exact_under_power_of_two_units(case, k, trend):
    # a power-of-two change of units is exact in floating point, so the
    # forecast of 2**k y is 2**k times the forecast of y, at any magnitude
    y = case["y"]
    a = np.abs(np.asarray(y, dtype=float))
    with np.errstate(over="ignore"):
        hypothesis.assume(np.isfinite(a * 2.0**k).all())           # no overflow
    hypothesis.assume(((a == 0) | (a * 2.0**k >= np.finfo(float).tiny)
                       ).all())                                    # no subnormals
    ref = Forecaster(tiny_esn(), trend=trend).fit(y).predict(4)
    got = Forecaster(tiny_esn(), trend=trend).fit(y * 2.0**k).predict(4)
    np.testing.assert_allclose(got.to_numpy(dtype=float),
                               ref.to_numpy(dtype=float) * 2.0**k, rtol=1e-12,
                               atol=0)


@examples(60)
@hypothesis.given(case=series_cases(min_rows=25, index_kinds=VALID_INDEXES),
                  h=st.integers(1, 4))
def test_exogenous_columns_go_through_the_same_checks(case, h):
    # the drawn frame is the exogenous X of a clean target on the same index
    X = case["y"]
    X = X.to_frame(name="x") if isinstance(X, pd.Series) else X
    n = case["n"]
    y = pd.Series(np.sin(np.arange(n) / 3.0) + 2 + 0.1 * np.cos(np.arange(n)),
                  index=X.index, name="target")
    f, err = attempt(lambda: Forecaster(tiny_esn(), season_length=None).fit(y, X))
    why = verdict(case)
    hypothesis.event("X: " + (why or "valid") + (", refused" if err else ", accepted"))
    if why is not None:
        assert err is not None, f"accepted X with {why}"
        assert_named(err, "X")
        return
    assert err is None, err
    X_future = case["make"](h)
    X_future = X_future.to_frame(name="x") if isinstance(X_future, pd.Series) \
        else X_future
    pred = f.predict(h, X=X_future)
    assert pred.index.equals(X_future.index) and np.isfinite(pred).all()
    _, err = attempt(lambda: f.predict(h, X=X_future.iloc[1:]))
    assert_named(err, "X")


# -- backtest ---------------------------------------------------------------------
COUNTS = st.one_of(
    st.integers(-2, 40),
    st.builds(lambda t, v: t(v), st.sampled_from([np.int8, np.uint8, np.int16,
                                                  np.int64]), st.integers(0, 40)),
    st.sampled_from([0.5, np.float32(0.5), 1.5, True, "10", None, np.nan]))


def count_valid(v, low=1):
    return (isinstance(v, (int, np.integer))
            and not isinstance(v, (bool, np.bool_, np.timedelta64)) and int(v) >= low)


def initial_valid(v):
    if isinstance(v, (float, np.floating)):
        return math.isfinite(v) and 0 < v < 1
    return count_valid(v)


BAD_BACKTEST_ARGS = {
    "initial": (COUNTS, initial_valid),
    "horizon": (st.one_of(COUNTS, st.just(10**18)),
                lambda v: count_valid(v) and int(v) <= 10**7),
    "step": (COUNTS, count_valid),
    "refit": (st.sampled_from([0, -1, "yes", 2.5, None, np.int8(0), np.uint8(2)]),
              lambda v: isinstance(v, (bool, np.bool_)) or count_valid(v)),
    "m": (COUNTS, count_valid),
}


@examples(150)
@hypothesis.given(case=series_cases(min_rows=0, max_rows=60),
                  which=st.sampled_from(["naive", "seasonal", "forecaster"]),
                  bad=st.sampled_from([None] * 5 + list(BAD_BACKTEST_ARGS)),
                  data=st.data())
def test_backtest_scores_or_refuses_by_name(case, which, bad, data):
    args = dict(
        initial=data.draw(st.one_of(st.integers(3, 30), st.floats(0.2, 0.8),
                                    st.builds(np.int16, st.integers(3, 40)),
                                    st.builds(np.float32, st.floats(0.2, 0.8)))),
        horizon=data.draw(st.one_of(st.integers(1, 6),
                                    st.builds(np.int8, st.integers(1, 6)))),
        step=data.draw(st.one_of(st.integers(1, 5), st.builds(np.uint8,
                                                               st.integers(1, 5)))),
        refit=data.draw(st.sampled_from([True, False, 2, np.int8(3), np.True_])),
        m=data.draw(st.sampled_from([1, 2, np.int8(3)])))
    arg_ok = True
    if bad is not None:
        values, rule = BAD_BACKTEST_ARGS[bad]
        args[bad] = data.draw(values, label=bad)
        arg_ok = rule(args[bad])
    template = {"naive": NaiveForecaster(), "seasonal": SeasonalNaiveForecaster(2),
                "forecaster": Forecaster(tiny_esn(), season_length=None)}[which]
    y = case["y"]
    res, err = attempt(lambda: backtest(template, y, args["initial"],
                                        args["horizon"], step=args["step"],
                                        refit=args["refit"], m=args["m"]))
    why = verdict(case)
    hypothesis.event("series: " + (why or "valid") + (", refused" if err else ", accepted"))
    hypothesis.event("argument: " + ("valid" if arg_ok else f"bad {bad}"))
    if not arg_ok:               # arguments are checked before the data
        assert err is not None, f"accepted {bad}={args[bad]!r}"
        assert_named(err, bad)
        return
    if why is not None:
        assert err is not None, f"accepted a series with {why}"
        assert_named(err, "y")
        return
    if err is not None:
        # legal arguments that do not fit this series say which one
        assert_named(err, "y", "initial", "horizon", "m")
        msg = str(err)
        assert ("exceeds the series length" in msg or "must exceed m" in msg
                or "leaves none" in msg or "too short" in msg), msg
        if "too short" in msg:
            assert which == "forecaster"
        return
    table = res.table
    k = case["k"]
    h = int(table["step"].max())
    assert len(table) == len(res.origins) * h * k
    assert np.isfinite(table["forecast"].to_numpy(dtype=float)).all()
    index = y.index
    assert table["time"].isin(index).all() and res.origins.isin(index).all()
    if which == "naive":
        # closed form: every origin forecasts the last value before it
        Y = case["values"]
        pos = index.get_indexer(table["origin"])
        col = (np.zeros(len(table), dtype=int) if k == 1 else
               table["series"].map({c: j for j, c in
                                    enumerate(y.columns)}).to_numpy())
        np.testing.assert_array_equal(table["forecast"].to_numpy(), Y[pos, col])
        np.testing.assert_array_equal(
            table["actual"].to_numpy(), Y[index.get_indexer(table["time"]), col])


# -- the detectors ------------------------------------------------------------------
DETECTORS = {
    "AnomalyDetector": lambda **kw: AnomalyDetector(tiny_esn(), season_length=None,
                                                    **kw),
    "SeasonalNaiveDetector": lambda **kw: SeasonalNaiveDetector(3, **kw),
    "RollingZScoreDetector": lambda **kw: RollingZScoreDetector(**kw),
}


# Detectors score rows as they come (issue 10): these indexes, refused by the
# forecasters, are scored in row order and marked (gaps, duplicated labels,
# one small step back), and so is a timestamp index of two rows.
ROWS_AS_THEY_COME = {"unsorted", "duplicated", "gap", "int_uneven"}


def detector_verdict(case, nan_policy):
    """verdict() for a detector: irregular indexes of ROWS_AS_THEY_COME are
    accepted, and so are two timestamps without a frequency."""
    kind = case["kind"]
    if kind in ROWS_AS_THEY_COME or (kind in ("datetime_nofreq", "tz_nofreq")
                                     and case["n"] == 2):
        case = dict(case, index_valid=True)
    return verdict(case, nan_policy)


def detector_continuation(case, rows):
    """``rows`` new rows after the case's series (values of its first rows)."""
    y, kind = case["y"], case["kind"]
    if kind == "int_uneven":
        idx = continuation_index(y.index, "int", 1, rows)
    elif kind in ROWS_AS_THEY_COME:
        idx = continuation_index(y.index, "datetime", pd.Timedelta("1h"), rows)
    elif kind in ("datetime_nofreq", "tz_nofreq") and case["freq"] is None:
        idx = continuation_index(y.index, "datetime", y.index[1] - y.index[0], rows)
    else:
        return case["make"](rows)
    new = y.iloc[np.arange(rows) % len(y)].copy()
    new.index = idx
    return new


def far_back(case):
    """One row labelled well before the series' first row (further back than
    any step back a detector accepts)."""
    y, kind = case["y"], case["kind"]
    first = y.index[0]
    if kind == "period":
        label = pd.PeriodIndex([first - 10])
    elif isinstance(y.index, pd.DatetimeIndex):
        label = pd.DatetimeIndex([first - pd.Timedelta(days=400)])
    else:
        label = pd.Index([int(first) - 1000])
    return y.iloc[:1].set_axis(label)


@examples(150)
@hypothesis.given(case=series_cases(max_rows=90), which=st.sampled_from(list(DETECTORS)),
                  score=st.sampled_from(["likelihood", "robust_z"]),
                  nan_policy=st.sampled_from(["raise", "interpolate"]),
                  extra=st.integers(1, 12))
def test_detectors_score_finitely_or_refuse_by_name(case, which, score, nan_policy,
                                                    extra):
    note(f"dtype={case['dtype']} kind={case['kind']} layout={case['layout']}")

    def make():
        return DETECTORS[which](window=20, min_periods=5, smoothing=3, score=score,
                                nan_policy=nan_policy)

    y = case["y"]
    det, err = attempt(lambda: make().fit(y))
    why = detector_verdict(case, nan_policy)
    hypothesis.event("series: " + (why or "valid") + (", refused" if err else ", accepted"))
    if why is not None:
        assert err is not None, f"accepted a series with {why}"
        assert_named(err, "y")
        return
    # the warm-up in steps: the first prediction (ESN washout + 1, the season,
    # or min_periods values for the rolling mean), then min_periods residuals
    # for their rolling scale (none for the z-score, which brings its own),
    # then min_periods scores for the likelihood; fit also needs
    # min_periods + 1 predictions to learn the residuals' scale
    first = {"AnomalyDetector": 6, "SeasonalNaiveDetector": 3,
             "RollingZScoreDetector": 5}[which]
    norm = 0 if which == "RollingZScoreDetector" else 5
    short = case["n"] < max(first + 6, first + norm + (5 if score == "likelihood"
                                                       else 0) + 1)
    if case["kind"] in ("datetime_nofreq", "tz_nofreq") and case["n"] == 2:
        short = True                                 # two rows are always short
    # a constant column is accepted (with a warning): nothing to learn, and
    # any later change of it scores high
    if err is not None:
        assert_named(err, "y")
        assert short, err
        return
    assert not short, short
    res = det.detect(y)
    for part in (res.scores, res.flags):
        assert part.index.equals(y.index)
    assert np.isfinite(res.scores).all() and (res.scores >= 0).all()
    assert res.flags.dtype == bool
    assert res.contributions.index.equals(y.index)
    assert list(res.predictions.columns) == det.columns_
    # an update continues the stream: its scores are those of one run
    new = detector_continuation(case, extra)
    online = det.update(new)
    assert online.scores.index.equals(new.index)
    assert np.isfinite(online.scores).all()
    if not np.isnan(case["values"]).any():
        both = pd.concat([y, new])
        whole = make().fit(y).anomaly_score(both)
        np.testing.assert_allclose(online.scores.to_numpy(),
                                   whole.to_numpy()[len(y):], rtol=1e-9, atol=1e-9)
    _, err = attempt(lambda: det.update(far_back(case)))
    assert_named(err, "y_new")


# -- parameters of the wrong type or out of range ------------------------------------
WEIRD = st.one_of(
    st.integers(-3, 60), st.integers(2**31, 2**63 - 1),
    st.sampled_from([2**64, 10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.01, 0.5, 1.0, 1e-300, 1e300, -1.0]),
    st.builds(lambda t, v: t(v),
              st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8,
                               np.uint16, np.uint64]), st.integers(0, 60)),
    st.builds(lambda t, v: t(v), st.sampled_from([np.float16, np.float32, np.float64]),
              st.sampled_from([0.0, 0.05, 0.3, 2.0, 30.0, np.nan, np.inf])),
    st.sampled_from([True, False, np.True_, None, "3", "auto", "x", [3], (3,), 3 + 0j,
                     np.timedelta64(3, "s"), decimal.Decimal(3), fractions.Fraction(1, 3),
                     np.array(3), np.datetime64("2024")]))


def _number(v, integral):
    if isinstance(v, (bool, np.bool_, np.timedelta64, np.datetime64)):
        return None
    if integral:     # integers beyond int64 are refused (no count is that large)
        ok = isinstance(v, (int, np.integer)) and -2**63 <= int(v) < 2**63
        return int(v) if ok else None
    if isinstance(v, (int, float, np.integer, np.floating, fractions.Fraction)):
        try:
            v = float(v)
        except OverflowError:
            return None
        return v if math.isfinite(v) else None
    return None


def _in(low, high, lo_open=False, hi_open=False, integral=False):
    def ok(v):
        x = _number(v, integral)
        if x is None:
            return False
        return ((x > low if lo_open else x >= low) if low is not None else True) and \
            ((x < high if hi_open else x <= high) if high is not None else True)
    return ok


def _count_or_share(v):
    return _in(1, None, integral=True)(v) or (
        not isinstance(v, (int, np.integer)) and _in(0, 1, True, True)(v))


def _seasons(v):
    if isinstance(v, str):
        return v == "auto"
    if v is None:
        return True
    vals = v if isinstance(v, (tuple, list)) else (v,)
    return all(_in(1, None, lo_open=True)(s) for s in vals)


PARAMS = {
    Forecaster: {"n_fourier": _in(0, None, integral=True),
                 "context_length": lambda v: v is None or _in(1, None, integral=True)(v),
                 "calibration_size": _count_or_share,
                 "season_length": _seasons,
                 "scale": lambda v: isinstance(v, (bool, np.bool_)),
                 "max_horizon": lambda v: v is None or _in(1, None, integral=True)(v)},
    NaiveForecaster: {"calibration_size": _count_or_share},
    SeasonalNaiveForecaster: {"season_length": _in(1, None, integral=True)},
    RollingZScoreDetector: {"window": _in(3, None, integral=True),
                            "min_periods": _in(2, None, integral=True),
                            "smoothing": _in(1, None, integral=True),
                            "cooldown": _in(0, None, integral=True),
                            "contamination": _in(0, 0.5, lo_open=True),
                            "scale_floor": _in(0, 1, lo_open=True),
                            "threshold": lambda v: v is None or _in(None, None)(v)},
    SeasonalNaiveDetector: {"season_length": lambda v: v == "auto" if isinstance(
        v, str) else _in(1, None, integral=True)(v)},
    AnomalyDetector: {"n_fourier": _in(0, None, integral=True),
                      "season_length": _seasons},
}
_CASES = [(cls, p) for cls, ps in PARAMS.items() for p in ps]


def _long_series():
    t = np.arange(240)
    return pd.Series(10 + np.sin(2 * np.pi * t / 24) + 0.2 * np.cos(t),
                     pd.date_range("2024", periods=240, freq="h"), name="v")


@examples(300)
@hypothesis.given(case=st.sampled_from(_CASES), value=WEIRD)
def test_parameters_are_checked_by_name(case, value):
    cls, param = case
    kwargs = {param: value}
    if cls in (Forecaster, AnomalyDetector):
        kwargs["estimator"] = tiny_esn()
    if cls is Forecaster and param == "max_horizon":
        kwargs["strategy"] = "direct"
    if cls in (RollingZScoreDetector, SeasonalNaiveDetector, AnomalyDetector) \
            and param not in ("window", "min_periods"):
        kwargs.update(window=50, min_periods=10)
    if param == "min_periods":
        kwargs["window"] = 2**62
    valid = PARAMS[cls][param](value)
    if cls is Forecaster and param == "max_horizon" and value is None:
        valid = False                     # the direct strategy needs one
    model, err = attempt(lambda: cls(**kwargs).fit(_long_series()))
    note(f"{cls.__name__}({param}={value!r}) valid={valid} -> {err!r}")
    if not valid:
        assert err is not None, f"{param}={value!r} accepted"
        assert_named(err, param)
        return
    if err is not None:
        # a legal value can still not fit this series (a season longer than
        # it, a window no step gets past...): then the message names it
        assert isinstance(err, ValueError) and names(err, param, "y"), err
        return
    y = _long_series()
    h = 1 if param == "max_horizon" else 3          # the direct strategy's limit
    out = (model.predict(h) if hasattr(model, "predict_interval")
           else model.detect(y).scores)
    assert np.isfinite(np.asarray(out, dtype=float)).all()


# -- memory layouts read the same -----------------------------------------------------
@examples(40)
@hypothesis.given(case=series_cases(min_rows=40, index_kinds=["range", "datetime"],
                                    dtypes=["float64"], specials=False))
def test_layouts_give_the_same_bits_as_a_fresh_copy(case):
    y = case["y"]
    fresh = y.copy(deep=True)
    for make in (lambda: Forecaster(tiny_esn()), NaiveForecaster,
                 lambda: RollingZScoreDetector(window=20, min_periods=5)):
        a = make().fit(y)
        b = make().fit(fresh)
        if hasattr(a, "predict_interval"):
            np.testing.assert_array_equal(a.predict(3).to_numpy(),
                                          b.predict(3).to_numpy())
        else:
            np.testing.assert_array_equal(a.anomaly_score(y).to_numpy(),
                                          b.anomaly_score(fresh).to_numpy())

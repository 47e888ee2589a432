"""reservoir.save / reservoir.load: exact round trips, and files that are refused."""

import io
import json
import os
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from forecasting import (AnomalyDetector, Forecaster, NaiveForecaster,
                         RollingZScoreDetector, SeasonalNaiveDetector,
                         SeasonalNaiveForecaster)
from reservoir import (CWRNNRegressor, ESNRegressor, GRURegressor, LSTMRegressor,
                       Reservoir, ReservoirWarning, SimpleRNNRegressor, load, save)


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **kw)


def assert_same(a, b, path="obj"):
    """The loaded object equals the saved one everywhere, types and bits."""
    assert type(a) is type(b), f"{path}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        if a.dtype == object:
            for i, (x, y) in enumerate(zip(a.ravel(), b.ravel())):
                assert_same(x, y, f"{path}[{i}]")
        else:
            assert a.tobytes() == np.ascontiguousarray(b).tobytes() or \
                np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), path
    elif sp.issparse(a):
        assert a.format == b.format and a.shape == b.shape, path
        for attr in ("data", "indices", "indptr"):
            assert_same(getattr(a, attr), getattr(b, attr), f"{path}.{attr}")
    elif isinstance(a, pd.Index):
        pd.testing.assert_index_equal(a, b, exact=True, check_exact=True)
        assert getattr(a, "freq", None) == getattr(b, "freq", None), path
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, check_freq=True)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=True)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, (float, np.floating)):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), path
    elif isinstance(a, np.random.RandomState):
        assert_same(a.get_state(), b.get_state(), path)
    elif hasattr(a, "__dict__") and not isinstance(a, type) and type(a).__module__.split(
            ".")[0] not in ("pandas", "numpy"):
        assert_same(vars(a), vars(b), path)
    elif a is pd.NaT:
        assert b is pd.NaT, path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _u(n=400):
    t = np.arange(n) * 0.1
    return np.column_stack([np.sin(t), np.cos(0.37 * t)])


def _hourly(n=24 * 21, seed=0):
    idx = pd.date_range("2024-01-01", periods=n, freq="h")
    rng = np.random.RandomState(seed)
    return pd.Series(10 + np.sin(2 * np.pi * np.arange(n) / 24) + 0.1 * rng.randn(n),
                     index=idx, name="load")


RECURRENT = [
    SimpleRNNRegressor(hidden_size=5, max_iter=3, random_state=0),
    GRURegressor(hidden_size=4, max_iter=3, num_layers=2, dtype="float64", random_state=0),
    LSTMRegressor(hidden_size=4, max_iter=3, bidirectional=True, early_stopping=True,
                  n_iter_no_change=2, random_state=0),
    CWRNNRegressor(hidden_size=6, periods=(1, 2, 4), max_iter=3, random_state=0),
]


@pytest.mark.parametrize("est", [
    ESNRegressor(n_reservoir=30, washout=20, random_state=0),
    ESNRegressor(n_reservoir=25, solver="qr", activation="identity", alpha=1e-3,
                 random_state=np.random.RandomState(3)),
    *RECURRENT,
], ids=lambda e: type(e).__name__)
def test_regressors_round_trip_to_the_same_bits(est):
    u = _u()
    X, y = u[:-1], u[1:, :1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = clone(est).fit(X, y)
    again = roundtrip(est)
    assert_same(est, again)
    seqs = [X[:50], X[10:200]]
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    for a, b in zip(again.predict(seqs), est.predict(seqs)):
        np.testing.assert_array_equal(a, b)
    if not getattr(est, "bidirectional", False):
        np.testing.assert_array_equal(again.generate(7, X_warmup=X[:60], X_future=u[60:66, 1:]),
                                      est.generate(7, X_warmup=X[:60], X_future=u[60:66, 1:]))


def test_pandas_in_and_out_survive_the_round_trip():
    u = _u()
    X = pd.DataFrame(u[:-1], columns=["a", "b"])
    y = pd.Series(u[1:, 0], name="next_a")
    esn = ESNRegressor(n_reservoir=20, washout=10, random_state=0).fit(X, y)
    again = roundtrip(esn)
    pd.testing.assert_series_equal(again.predict(X), esn.predict(X), check_exact=True)
    with pytest.raises(ValueError, match="feature names"):
        again.predict(X.rename(columns={"a": "z"}))


def test_a_loaded_esn_still_refits_its_readout_and_continues():
    u = _u()[:, :1]
    esn = ESNRegressor(n_reservoir=30, washout=20, random_state=0).fit(u[:300], u[1:301, 0])
    again = roundtrip(esn)
    esn.refit_readout(1e-2)
    again.refit_readout(1e-2)
    np.testing.assert_array_equal(again.coef_, esn.coef_)
    esn.partial_fit(u[300:350], u[301:351, 0], continue_state=True)
    again.partial_fit(u[300:350], u[301:351, 0], continue_state=True)
    np.testing.assert_array_equal(again.predict(u), esn.predict(u))
    np.testing.assert_array_equal(again.generate(5), esn.generate(5))


def test_reservoir_and_unfitted_estimators():
    u = _u()
    res = Reservoir(n_reservoir=20, random_state=0).fit(u)
    again = roundtrip(res)
    assert again.W_.format == "csr" and again.W_.indices.dtype == res.W_.indices.dtype
    np.testing.assert_array_equal(again.transform(u), res.transform(u))
    params = dict(n_reservoir=7, alpha=0.5, random_state=1)
    blank = roundtrip(ESNRegressor(**params))
    assert blank.get_params() == ESNRegressor(**params).get_params()
    np.testing.assert_array_equal(clone(blank).fit(u[:-1], u[1:, 0]).predict(u),
                                  ESNRegressor(**params).fit(u[:-1], u[1:, 0]).predict(u))


def test_pipelines_with_scikit_learn_steps():
    u = _u() * 30 + 5
    pipe = make_pipeline(StandardScaler(), FunctionTransformer(np.tanh),
                         ESNRegressor(n_reservoir=20, washout=10, random_state=0))
    pipe.fit(u[:-1], u[1:, 0])
    again = roundtrip(pipe)
    assert_same(pipe, again)
    np.testing.assert_array_equal(again.predict(u), pipe.predict(u))


def test_forecasters_and_detectors_round_trip():
    y = _hourly()
    fc = Forecaster(ESNRegressor(n_reservoir=30, washout=24, random_state=0)).fit(y)
    fc.predict_interval(12, coverage=0.8)           # fills the calibration
    again = roundtrip(fc)
    assert_same(fc, again)
    pd.testing.assert_series_equal(again.predict(24), fc.predict(24), check_exact=True)
    pd.testing.assert_frame_equal(again.predict_interval(12, coverage=0.8),
                                  fc.predict_interval(12, coverage=0.8), check_exact=True)
    fc.update(y.iloc[-5:].set_axis(y.index[-5:] + pd.Timedelta(hours=5)))
    again.update(y.iloc[-5:].set_axis(y.index[-5:] + pd.Timedelta(hours=5)))
    pd.testing.assert_series_equal(again.predict(6), fc.predict(6), check_exact=True)

    monthly = pd.Series(np.sin(np.arange(120) * 2 * np.pi / 12) + 3,
                        pd.period_range("2000-01", periods=120, freq="M"))
    for model in (SeasonalNaiveForecaster(12), NaiveForecaster(),
                  Forecaster(GRURegressor(hidden_size=4, max_iter=2, random_state=0))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(monthly)
        back = roundtrip(model)
        pd.testing.assert_series_equal(back.predict(6), model.predict(6), check_exact=True)

    det = AnomalyDetector(ESNRegressor(n_reservoir=20, washout=24, random_state=0))
    det.fit(y[:24 * 14])
    again = roundtrip(det)
    a, b = det.detect(y), again.detect(y)
    pd.testing.assert_series_equal(a.scores, b.scores, check_exact=True)
    for cls in (RollingZScoreDetector, SeasonalNaiveDetector):
        d = cls().fit(y[:24 * 14])
        pd.testing.assert_series_equal(roundtrip(d).detect(y).scores, d.detect(y).scores,
                                       check_exact=True)


def test_values_of_every_kind_and_shared_references():
    arr = np.arange(6.0).reshape(2, 3)
    tz = pd.date_range("2024-03-30 22:00", periods=5, freq="h", tz="Europe/Berlin")
    value = {
        "floats": [np.nan, -np.inf, 1e-310, 0.1, -0.0], "ints": [0, -1, 2 ** 70],
        "np": (np.float32(1.5), np.int8(-3), np.bool_(True), np.datetime64("2024-01-01", "s")),
        "dtype": np.dtype("float32"), "types": (float, np.float64), "ufunc": np.log1p,
        "complex": 1 + 2j, "bytes": b"\x00\xff", "set": {1, 2}, "slice": slice(1, None, 2),
        (1, "tuple-key"): "value", 3: None,
        "same": [arr, arr], "fortran": np.asfortranarray(arr), "strings": np.array(["a", "bc"]),
        "objects": np.array(["x", None, 1.5], dtype=object),
        "masked": np.ma.MaskedArray([1.0, 2.0], mask=[False, True]),
        "sparse": [sp.csr_matrix(arr), sp.coo_array(arr), sp.csc_matrix(arr)],
        "rng": np.random.RandomState(5), "gen": np.random.default_rng(5),
        "tz": tz, "ts": tz[2], "td": pd.Timedelta("90min"), "nat": pd.NaT,
        "period": pd.Period("2024-05", freq="M"), "offset": pd.offsets.Week(weekday=2),
        "index": pd.Index(["a", "b"], name=("multi", 1)), "range": pd.RangeIndex(2, 20, 3),
        "frame": pd.DataFrame({"x": [1, 2], "y": ["u", "v"]}, index=pd.Index([5, 7])),
    }
    back = roundtrip(value)
    for k in value:
        if k not in ("masked", "sparse", "gen", "set"):
            assert_same(value[k], back[k], k)
    assert back["same"][0] is back["same"][1]
    assert back["fortran"].flags.f_contiguous
    assert back["rng"].randint(10 ** 6) == np.random.RandomState(5).randint(10 ** 6)
    assert back["gen"].integers(10 ** 6) == np.random.default_rng(5).integers(10 ** 6)
    np.testing.assert_array_equal(back["masked"].mask, [False, True])
    assert back["set"] == {1, 2} and type(back["gen"]) is np.random.Generator
    for a, b in zip(value["sparse"], back["sparse"]):
        assert type(a) is type(b) and (a != b).nnz == 0


def test_the_same_model_gives_the_same_bytes(tmp_path):
    u = _u()
    esn = ESNRegressor(n_reservoir=15, random_state=0).fit(u[:-1], u[1:, 0])
    save(esn, tmp_path / "a.model")
    save(esn, str(tmp_path / "b.model"))
    assert (tmp_path / "a.model").read_bytes() == (tmp_path / "b.model").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["a.model", "b.model"]   # no temporaries
    np.testing.assert_array_equal(load(tmp_path / "a.model").predict(u), esn.predict(u))


# -- refusals -------------------------------------------------------------------

class Doubler(TransformerMixin, BaseEstimator):
    """A user's own transformer: not one of the classes the loader trusts."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return 2 * np.asarray(X)


def test_a_foreign_type_is_refused_by_name_unless_trusted(tmp_path):
    u = _u()
    pipe = make_pipeline(Doubler(), ESNRegressor(n_reservoir=10, random_state=0))
    pipe.fit(u[:-1], u[1:, 0])
    save(pipe, tmp_path / "p.model")
    name = f"{Doubler.__module__}.Doubler"
    with pytest.raises(TypeError, match=name.replace(".", r"\.")):
        load(tmp_path / "p.model")
    again = load(tmp_path / "p.model", trusted=[Doubler])
    np.testing.assert_array_equal(again.predict(u), pipe.predict(u))
    with pytest.raises(TypeError, match="trusted must hold classes"):
        load(tmp_path / "p.model", trusted=["Doubler"])


def test_functions_and_lambdas_cannot_be_saved():
    pipe = make_pipeline(FunctionTransformer(lambda x: x), ESNRegressor(n_reservoir=5))
    with pytest.raises(TypeError, match=r"Pipeline\.steps\[0\]\[1\]\.func.*function"):
        save(pipe, io.BytesIO())


def _edit(path, change):
    """Rewrite the JSON of a model file with ``change(header)``."""
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    header = json.loads(entries["model.json"])
    change(header)
    entries["model.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)


@pytest.mark.parametrize("cls", [["os", "system"], ["builtins", "eval"],
                                 ["subprocess", "Popen"], ["pathlib", "Path"],
                                 ["sklearn.utils._testing", "TempMemmap"],
                                 ["sklearn.utils._bunch", "Bunch"],
                                 ["reservoir.esn", "ESNRegressor.__init__"]])
def test_a_file_naming_a_dangerous_callable_is_refused_before_anything_runs(tmp_path, cls):
    marker = tmp_path / "ran"
    save({"x": 1}, tmp_path / "m.model")
    _edit(tmp_path / "m.model", lambda h: h["root"]["items"].append(
        ["evil", {"t": "object", "cls": cls, "args": [f"touch {marker}"], "id": 99}]))
    with pytest.raises(TypeError, match=".".join(cls).replace(".", r"\.")):
        load(tmp_path / "m.model")
    assert not marker.exists()


class _Touch:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):                # what a malicious pickle does on load
        return (Path.touch, (Path(self.path),))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_plain_pickle_is_refused_without_running(tmp_path, protocol):
    marker = tmp_path / "ran"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps([_Touch(str(marker))], protocol=protocol))
    # the pickle is live: unpickling it would create the marker
    with pytest.raises(ValueError, match="pickle" if protocol >= 2 else "not a reservoir"):
        load(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())
    assert marker.exists()


def _saved(tmp_path):
    u = _u()
    esn = ESNRegressor(n_reservoir=20, random_state=0).fit(u[:-1], u[1:, 0])
    save(esn, tmp_path / "m.model")
    return esn, u, tmp_path / "m.model"


def test_files_from_incompatible_versions_get_a_clear_error(tmp_path):
    esn, u, path = _saved(tmp_path)
    _edit(path, lambda h: h.update(format_version=2))
    with pytest.raises(ValueError, match="model format 2.*reads format 1.*Upgrade"):
        load(path)
    _, _, path = _saved(tmp_path)
    _edit(path, lambda h: h.update(format_version=0))
    with pytest.raises(ValueError, match="format 0.*save it again"):
        load(path)
    # a class this version does not define (renamed or removed since)
    _, _, path = _saved(tmp_path)
    _edit(path, lambda h: h["root"].update(cls=["reservoir.esn", "OldESNRegressor"]))
    with pytest.raises(ValueError, match="OldESNRegressor.*incompatible version"):
        load(path)
    # another project version in the same format: loads, with a warning
    _, _, path = _saved(tmp_path)
    _edit(path, lambda h: h["written_by"].update({"reservoir-ts": "0.0.1"}))
    with pytest.warns(ReservoirWarning, match="written by reservoir-ts 0.0.1"):
        np.testing.assert_array_equal(load(path).predict(u), esn.predict(u))


def test_truncated_files_get_a_clear_error(tmp_path):
    _, _, path = _saved(tmp_path)
    data = path.read_bytes()
    for size in (0, 3, 100, len(data) // 2, len(data) - 10):
        path.write_bytes(data[:size])
        with pytest.raises(ValueError, match="truncated or corrupted|not a reservoir"):
            load(path)


def test_corrupted_bytes_never_give_a_different_model(tmp_path):
    """A byte changed anywhere: a clear ValueError, or (in the few bytes no
    checksum covers, such as entry times) the very same model."""
    esn, u, path = _saved(tmp_path)
    data = path.read_bytes()
    expected = esn.predict(u)
    errors = 0
    for pos in np.linspace(0, len(data) - 1, 60).astype(int):
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        path.write_bytes(bytes(bad))
        try:
            got = load(path).predict(u)
        except ValueError as exc:
            assert "corrupted" in str(exc) or "not a reservoir" in str(exc), str(exc)
            errors += 1
        else:
            np.testing.assert_array_equal(got, expected)
    assert errors >= 50


def test_not_a_model_file(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a reservoir-ts model file"):
        load(tmp_path / "x.csv")
    with zipfile.ZipFile(tmp_path / "y.zip", "w") as zf:
        zf.writestr("other.txt", "hello")
    with pytest.raises(ValueError, match="without model.json"):
        load(tmp_path / "y.zip")


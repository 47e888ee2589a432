"""from_torch_state_dict: the inverse of to_torch_state_dict, checked against PyTorch."""

import io
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from reservoir import (CWRNNRegressor, GRURegressor, LSTMRegressor, SimpleRNNRegressor,
                       load, save)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _torch_model(torch, name, n_in, hidden, layers, bidirectional, n_out, dtype):
    torch.manual_seed(0)
    rnn = getattr(torch.nn, name)(n_in, hidden, num_layers=layers,
                                  bidirectional=bidirectional, batch_first=True).to(dtype)
    lin = torch.nn.Linear(hidden * (2 if bidirectional else 1), n_out).to(dtype)
    sd = {**rnn.state_dict(), **{"readout." + k: v for k, v in lin.state_dict().items()}}
    return rnn, lin, sd


@pytest.mark.parametrize("Est,torch_name", [(SimpleRNNRegressor, "RNN"),
                                            (GRURegressor, "GRU"),
                                            (LSTMRegressor, "LSTM")])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_weights_from_pytorch_predict_as_pytorch(Est, torch_name, layers, bidirectional):
    torch = pytest.importorskip("torch")
    rnn, lin, sd = _torch_model(torch, torch_name, 3, 5, layers, bidirectional, 2,
                                torch.float64)
    est = Est(hidden_size=5, num_layers=layers, bidirectional=bidirectional,
              dtype="float64").from_torch_state_dict(sd)
    assert est.n_features_in_ == 3 and est.n_outputs_ == 2
    X = [np.random.RandomState(1).randn(17, 3), np.random.RandomState(2).randn(9, 3)]
    with torch.no_grad():
        for x, pred in zip(X, est.predict(X)):
            # different code paths (our kernels, PyTorch's): a tolerance
            ref = lin(rnn(torch.from_numpy(x[None]))[0])[0].numpy()
            np.testing.assert_allclose(pred, ref, rtol=1e-10, atol=1e-12)
    # the inverse: the same arrays back, bit for bit
    back = est.to_torch_state_dict()
    assert list(back) == list(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(back[k], v.numpy())
    # and into a fresh PyTorch module: the same outputs as the original module
    rnn2, lin2, _ = _torch_model(torch, torch_name, 3, 5, layers, bidirectional, 2,
                                 torch.float64)
    with torch.no_grad():
        for p in list(rnn2.parameters()) + list(lin2.parameters()):
            p.add_(1.0)                                     # surely different
    rnn2.load_state_dict({k: torch.from_numpy(v) for k, v in back.items()
                          if not k.startswith("readout.")})
    lin2.load_state_dict({k[len("readout."):]: torch.from_numpy(v)
                          for k, v in back.items() if k.startswith("readout.")})
    xt = torch.from_numpy(X[0][None])
    with torch.no_grad():
        assert torch.equal(lin2(rnn2(xt)[0]), lin(rnn(xt)[0]))


def test_float32_weights_from_pytorch():
    torch = pytest.importorskip("torch")
    rnn, lin, sd = _torch_model(torch, "LSTM", 2, 8, 1, False, 1, torch.float32)
    est = LSTMRegressor(hidden_size=8).from_torch_state_dict(sd)   # dtype float32
    x = np.random.RandomState(0).randn(40, 2)
    with torch.no_grad():
        ref = lin(rnn(torch.from_numpy(x[None]).float())[0])[0, :, 0].numpy()
    pred = est.predict(x)
    assert pred.shape == (40,)                   # one output: 1-D, as after a 1-D fit
    np.testing.assert_allclose(pred, ref, rtol=1e-4, atol=1e-5)   # float32 rounding
    for k, v in est.to_torch_state_dict().items():
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, sd[k].numpy())


@pytest.mark.parametrize("Est,kw", [(SimpleRNNRegressor, {}), (GRURegressor, {"num_layers": 2}),
                                    (LSTMRegressor, {"bidirectional": True}),
                                    (CWRNNRegressor, {"periods": (1, 3)})])
def test_round_trip_through_our_own_state_dict(Est, kw):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 2)
    est = _fit(Est(hidden_size=6, max_iter=3, random_state=0, **kw), X, X[:, 0])
    twin = Est(hidden_size=6, **kw).from_torch_state_dict(est.to_torch_state_dict())
    np.testing.assert_array_equal(twin.predict(X), est.predict(X))
    assert twin.n_parameters_ == est.n_parameters_
    buf = io.BytesIO()
    save(twin, buf)
    buf.seek(0)
    np.testing.assert_array_equal(load(buf).predict(X), est.predict(X))


def test_warm_start_continues_from_the_loaded_weights():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 1)
    y = np.roll(X[:, 0], 1)
    src = _fit(GRURegressor(hidden_size=4, max_iter=2, random_state=0), X, y)
    sd = src.to_torch_state_dict()
    est = GRURegressor(hidden_size=4, max_iter=3, warm_start=True,
                       random_state=0).from_torch_state_dict(sd)
    _fit(est, X, y)
    np.testing.assert_array_equal(src.to_torch_state_dict()["weight_hh_l0"],
                                  sd["weight_hh_l0"])     # the given dict is not touched
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3
    assert not np.array_equal(est.to_torch_state_dict()["weight_hh_l0"], sd["weight_hh_l0"])


def test_state_dicts_that_do_not_fit_are_refused_with_the_fix():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 2)
    sd = _fit(LSTMRegressor(hidden_size=4, num_layers=2, max_iter=1), X, X).to_torch_state_dict()
    with pytest.raises(ValueError, match=r"missing \['weight_ih_l1'.*Set num_layers"):
        LSTMRegressor(hidden_size=4, num_layers=2).from_torch_state_dict(
            {k: v for k, v in sd.items() if "_l1" not in k})
    with pytest.raises(ValueError, match=r"unexpected \['weight_ih_l1'"):
        LSTMRegressor(hidden_size=4).from_torch_state_dict(sd)
    with pytest.raises(ValueError, match=r"shape \(16, 2\).*needs \(32, 2\).*hidden_size"):
        LSTMRegressor(hidden_size=8, num_layers=2).from_torch_state_dict(sd)
    bad = dict(sd, bias_hh_l0=np.full(16, np.nan))
    with pytest.raises(ValueError, match="NaN"):
        LSTMRegressor(hidden_size=4, num_layers=2).from_torch_state_dict(bad)
    with pytest.raises(TypeError, match="mapping"):
        LSTMRegressor(hidden_size=4).from_torch_state_dict([1, 2])
    cw = _fit(CWRNNRegressor(hidden_size=4, periods=(1, 2), max_iter=1), X, X[:, 0])
    dense = dict(cw.to_torch_state_dict(), weight_hh_l0=np.ones((4, 4)))
    with pytest.raises(ValueError, match="faster to slower"):
        CWRNNRegressor(hidden_size=4, periods=(1, 2)).from_torch_state_dict(dense)


import numpy as np
import pytest


def naive_states(res, U, x0=None):
    """Reference loop: x(t) = (1-a) x(t-1) + a f(W_in u(t) + W x(t-1) + b)."""
    W = res.W_.toarray()
    a = res.leak_rate
    x = np.zeros(res.n_reservoir) if x0 is None else x0.copy()
    out = np.empty((len(U), res.n_reservoir))
    for t, u in enumerate(np.asarray(U, dtype=float)):
        pre = res.W_in_ @ u + res.bias_ + W @ x
        x = (1 - a) * x + a * (pre if res.activation == "identity" else np.tanh(pre))
        out[t] = x
    return out


@pytest.fixture
def rng():
    return np.random.RandomState(42)

"""The reservoir path's one-BLAS-thread block: set inside, restored after,
re-entrant, shared by threads; and the solves it wraps stay exact."""

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from reservoir import ESNRegressor
from reservoir._blas import one_blas_thread, pinned


def blas_threads():
    return [lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas"]


def test_one_thread_inside_and_restored_after():
    with threadpool_limits(limits=2, user_api="blas"):
        outside = blas_threads()
        with one_blas_thread():
            assert set(blas_threads()) == {1}
            with one_blas_thread():                 # nested: still one
                assert set(blas_threads()) == {1}
            assert set(blas_threads()) == {1}       # the inner exit keeps it
        assert blas_threads() == outside
        with one_blas_thread(enabled=False):
            assert blas_threads() == outside


def test_restored_after_an_exception():
    with threadpool_limits(limits=2, user_api="blas"):
        outside = blas_threads()
        with pytest.raises(RuntimeError):
            with one_blas_thread():
                raise RuntimeError("boom")
        assert blas_threads() == outside


def test_blocks_in_several_threads_restore_the_count():
    # each thread's outermost block restores what it found; after blocks in
    # four threads at once the process has its count back
    with threadpool_limits(limits=2, user_api="blas"):
        outside = blas_threads()
        errors = []

        def work(seed):
            try:
                rng = np.random.RandomState(seed)
                a = rng.randn(50, 50)
                for _ in range(20):
                    with one_blas_thread():
                        with one_blas_thread():
                            g = a @ a.T
                        assert np.allclose(g, g.T)
            except Exception as exc:        # pragma: no cover (reported below)
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert blas_threads() == outside


def test_pinned_keeps_the_method_and_pins():
    class A:
        @pinned
        def f(self, x, *, y=1):
            """Doc."""
            return blas_threads(), x + y

    threads, value = A().f(1, y=2)
    assert set(threads) == {1} and value == 3
    assert A.f.__doc__ == "Doc." and A.f.__name__ == "f"


def test_fit_same_bits_as_with_the_callers_own_single_thread():
    # fit pins BLAS itself; under the caller's own one-thread limit (the same
    # shapes on one thread) the model is bit for bit the same
    rng = np.random.RandomState(0)
    X, y = rng.randn(400, 2), rng.randn(400)
    a = ESNRegressor(n_reservoir=60, random_state=1).fit(X, y)
    with threadpool_limits(limits=1, user_api="blas"):
        b = ESNRegressor(n_reservoir=60, random_state=1).fit(X, y)
    assert np.array_equal(a.coef_, b.coef_) and np.array_equal(a.intercept_, b.intercept_)
    assert np.array_equal(a.predict(X), b.predict(X))

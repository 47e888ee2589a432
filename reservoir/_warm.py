"""Compile every kernel once, so that later processes load them from numba's cache.

``python -m reservoir --warm-cache`` runs :func:`warm_cache`. A fresh dask or
joblib worker whose cache is empty pays about 3 s (ESN) to 9 s (LSTM and GRU)
of compilation before its first fit; after the warm-up (with the same
``NUMBA_CACHE_DIR``, the same installed source files and the same CPU model)
it compiles nothing.

The warm-up drives the public estimators on tiny data rather than listing
kernel signatures: numba compiles one specialisation per combination of
argument types and array layouts, and the estimators' own calls are the ones
that matter. Every public estimator class of :mod:`reservoir` is run, over the
product of the values of the options that select other kernels or dtypes
(``dtype``, ``activation``, ``bidirectional``, ``num_layers``,
``feedback_scaling``, ``solver``) that the class has: fit on one sequence, predict one,
many (grouped in lockstep and one by one) and a 3-D batch, and generate. Then
a :class:`forecasting.Forecaster` and :class:`forecasting.AnomalyDetector`
on a small ESN.
"""

from __future__ import annotations

import importlib
import itertools
import os
import pkgutil
import sys
import time
import warnings

import numpy as np

__all__ = ["warm_cache", "package_dispatchers"]

# Options whose values choose other kernels (or dtypes of the same kernels).
_VARIATIONS = {
    "dtype": ("float32", "float64"),
    "activation": ("tanh", "identity"),
    "bidirectional": (False, True),
    "num_layers": (1, 2),
    "feedback_scaling": (0.0, 0.1),
    "solver": ("cholesky", "rls"),     # "rls" runs its own kernel ("qr" none)
}
# A tiny size for each way the classes spell their width.
_TINY = {"n_reservoir": 16, "hidden_size": 4, "max_iter": 1, "batch_size": 64}


def package_dispatchers(packages=("reservoir", "forecasting")):
    """Every numba dispatcher defined in the modules of ``packages``.

    Imports every module of the packages (the kernels are module-level
    functions) and returns ``{"module.function": dispatcher}``.
    """
    from numba.core.dispatcher import Dispatcher

    out = {}
    for top in packages:
        pkg = importlib.import_module(top)
        names = [top] + [m.name for m in pkgutil.walk_packages(pkg.__path__, top + ".")
                         if not m.name.endswith("__main__")]
        for name in names:
            module = importlib.import_module(name)
            for attr, obj in vars(module).items():
                if isinstance(obj, Dispatcher) and obj.py_func.__module__ == name:
                    out[f"{name}.{attr}"] = obj
    return out


def _estimator_classes():
    import reservoir
    from sklearn.base import BaseEstimator

    for name in reservoir.__all__:
        obj = getattr(reservoir, name)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator):
            yield obj


def _configurations(cls):
    params = cls().get_params(deep=False)
    tiny = {k: v for k, v in _TINY.items() if k in params}
    keys = [k for k in _VARIATIONS if k in params]
    for values in itertools.product(*(_VARIATIONS[k] for k in keys)):
        yield {**tiny, **dict(zip(keys, values)), **(
            {"random_state": 0} if "random_state" in params else {})}


def _data(rng, classifier):
    """One sequence, many (enough for a 32-lane group, a partly filled one and
    leftovers run alone), and a 3-D batch; targets of one output."""
    def target(x):
        v = np.tanh(x[:, 0] + 0.5 * x[:, -1])
        return (v > 0).astype(np.int64) if classifier else v
    single = rng.randn(60, 2)
    many = [rng.randn(int(n), 2) for n in rng.randint(12, 40, size=50)]
    batch = rng.randn(4, 30, 2)
    return single, target(single), many, [target(x) for x in many], batch


def _run_estimator(cls, config, rng):
    from sklearn.base import is_classifier

    classifier = is_classifier(cls())
    single, y1, many, ym, batch = _data(rng, classifier)
    est = cls(**config)
    if hasattr(est, "predict"):
        est.fit(single, y1)
        est.predict(single)
        est.predict(many)
        est.predict(batch)
        if classifier:
            # one label per sequence (many-to-one) as well as one per step
            cls(**config).fit(many, np.array([int(y[-1]) for y in ym]))
        else:
            cls(**config).fit(many, ym)
        if hasattr(est, "generate") and not config.get("bidirectional", False):
            u = single[:, :1]
            one = cls(**config).fit(u[:-1], u[1:, 0])
            one.generate(5, X_warmup=u)
            est.generate(5, X_warmup=single, X_future=rng.randn(4, 1))
    else:
        est.fit(single).transform(single)
        est.transform(many)
        est.transform(batch)


def _run_forecasting(rng):
    import pandas as pd
    from forecasting import AnomalyDetector, Forecaster
    from reservoir import ESNRegressor

    idx = pd.date_range("2024-01-01", periods=24 * 14, freq="h")
    y = pd.Series(np.sin(2 * np.pi * np.arange(len(idx)) / 24)
                  + 0.1 * rng.randn(len(idx)), index=idx, name="y")
    esn = ESNRegressor(n_reservoir=16, washout=20, random_state=0)
    Forecaster(esn).fit(y).predict(24)
    AnomalyDetector(esn).fit(y[:24 * 10]).detect(y)


def warm_cache(verbose=True, file=None):
    """Run every public estimator on tiny data so every kernel is compiled
    (or loaded from the cache).

    Parameters
    ----------
    verbose : bool, default=True
        Print what was compiled and what was loaded.
    file : file-like, default=sys.stdout

    Returns
    -------
    summary : dict
        ``kernels`` (dispatchers used), ``compiled`` and ``loaded``
        (specialisations compiled now / loaded from the cache), ``seconds``,
        ``cache_dir`` and ``skipped`` (configurations a class refused, with
        the reason).
    """
    file = sys.stdout if file is None else file
    t0 = time.perf_counter()
    rng = np.random.RandomState(0)
    skipped = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls in _estimator_classes():
            for config in _configurations(cls):
                try:
                    _run_estimator(cls, config, rng)
                except (ValueError, TypeError) as exc:   # an invalid combination
                    skipped.append(f"{cls.__name__}({config}): {exc}")
        _run_forecasting(rng)
    dispatchers = package_dispatchers()
    used = {k: d for k, d in dispatchers.items() if d.signatures}
    compiled = sum(len(d.stats.cache_misses) for d in used.values())
    loaded = sum(len(d.stats.cache_hits) for d in used.values())
    summary = {"kernels": len(used), "compiled": compiled, "loaded": loaded,
               "seconds": time.perf_counter() - t0,
               "cache_dir": os.environ.get("NUMBA_CACHE_DIR") or
               "__pycache__ next to the installed sources", "skipped": skipped}
    if verbose:
        for reason in skipped:
            print(f"skipped {reason}", file=file)
        print(f"warmed {summary['kernels']} kernels: {compiled} specialisations "
              f"compiled, {loaded} loaded from the cache, in "
              f"{summary['seconds']:.1f} s (cache: {summary['cache_dir']})", file=file)
    return summary

"""The template every forecaster follows (after sktime's ``BaseForecaster``,
kept thin): public methods validate pandas once and call private hooks on
float arrays.

A forecaster is fitted on one series or on a list of series (a panel fitted
as one model). Either way the validated data is a list of :class:`History`
(one per series, its values ``Y`` (T, k), exogenous ``E`` (T, e) or None and
its index); a single series is a list of one, and the public methods give
back the structure they were given.

Subclasses implement

* ``_fit(histories)``: fit on the list of :class:`History`;
* ``_predict(j, hist, n, E_future)``: (n, k) forecasts of the next ``n``
  steps after ``hist`` (``j`` is the position of a fitted series, or None
  for a series the model was not fitted on; ``E_future`` (n, e) or None);
* optionally ``_validate_params()`` (check their parameters, before any
  data is read), ``_min_history(n)`` (shortest history they can forecast
  from), ``_on_update(j, n_new)`` (state to advance after :meth:`update`),
  ``_to_model_space(j, hist, Y)`` (the monotone transform in which the
  conformal residuals are taken; identity by default) and its inverse
  ``_from_model_space``.

:func:`rolling_forecasts` is the one fit-then-update loop: the conformal
calibration of :meth:`BaseForecaster.predict_interval` and
:func:`forecasting.backtest` both run it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ._validation import (_NAN_POLICIES, SeriesInfo, check_choice,
                          check_count_or_fraction, check_exog, check_param,
                          check_series, future_index, future_positions,
                          index_frequency, regularise)
from ._warnings import ForecastingWarning

__all__ = ["BaseForecaster", "History", "rolling_forecasts"]

# at most this many rolling origins feed the conformal residuals
MAX_CALIBRATION_ORIGINS = 100


@dataclass
class History:
    """One validated series: what a forecaster forecasts from.

    Attributes
    ----------
    info : SeriesInfo
        Kind of index, frequency, last label, names.
    index : pandas.Index
    Y : ndarray of shape (T, k)
    E : ndarray of shape (T, e) or None
    exog_columns : list or None
    n_fit : int or None
        Observations the model was fitted on (the rest came by ``update``).
    """

    info: object
    index: pd.Index
    Y: np.ndarray
    E: np.ndarray = None
    exog_columns: list = None
    n_fit: int = None

    def pandas(self, a=0, b=None):
        """(y, X) of rows ``a:b`` as pandas, as the user gave them."""
        index = self.index[a:b]
        if self.info.was_series:
            y = pd.Series(self.Y[a:b, 0], index=index, name=self.info.name)
        else:
            y = pd.DataFrame(self.Y[a:b], index=index, columns=self.info.columns)
        X = None
        if self.E is not None:
            X = pd.DataFrame(self.E[a:b], index=index, columns=self.exog_columns)
        return y, X


def _is_panel(y):
    return isinstance(y, (list, tuple))


def _panel_items(y, X, name="y", xname="X"):
    """``(ys, Xs)`` as two lists of the same length (X entries may be None)."""
    ys = list(y)
    if not ys:
        raise ValueError(f"{name} is an empty list; pass a Series, a DataFrame or a "
                         "list of them.")
    for i, s in enumerate(ys):
        if not isinstance(s, (pd.Series, pd.DataFrame)) and s is not None:
            kind = type(s).__name__
            raise TypeError(
                f"{name}[{i}] must be a pandas Series or DataFrame; got {kind}. "
                f"A list is a panel of series: pass pd.Series(values) for one "
                "series, or a list of Series for many.")
    if X is None:
        return ys, [None] * len(ys)
    if not _is_panel(X):
        raise TypeError(f"{xname} must be a list of DataFrames aligned with the list "
                        f"{name} (one per series, None for none); got "
                        f"{type(X).__name__}.")
    Xs = list(X)
    if len(Xs) != len(ys):
        raise ValueError(f"{xname} has {len(Xs)} entries but {name} has {len(ys)} "
                         "series; pass one DataFrame per series.")
    return ys, Xs


def _exog_list(X, n, xname="X"):
    """Exogenous frames of a fitted panel of ``n`` series: a list of ``n``
    (None entries allowed), or None for none."""
    if X is None:
        return [None] * n
    if not _is_panel(X):
        raise TypeError(f"{xname} must be a list of {n} DataFrames (one per series "
                        f"of the fitted panel); got {type(X).__name__}.")
    if len(X) != n:
        raise ValueError(f"{xname} has {len(X)} entries but the forecaster was "
                         f"fitted on {n} series; pass one per series.")
    return list(X)


def rolling_forecasts(template, y, X, fit_end, origins, horizon):
    """Fit a clone of ``template`` once, then move it from origin to origin.

    The clone is fitted on ``y[:fit_end]`` (and ``X``'s rows), then for each
    of the increasing ``origins`` (all ``>= fit_end``) it is advanced with
    ``update`` over the observations before the origin (never refitted) and
    forecasts ``horizon`` steps from it.

    For a panel, ``y`` and ``X`` are lists, ``fit_end`` a list of positions
    and ``origins`` a list of increasing position arrays, one per series; the
    clone is fitted on every series' head at once, and round ``r`` moves each
    series that still has an ``r``-th origin to it (``update`` gets None for
    the others).

    Yields
    ------
    series : int
        Position of the series in the panel (0 for a single series).
    origin : int
    forecast : ndarray of shape (horizon, n_columns)
    """
    if not _is_panel(y):
        yield from _rolling(template, [y], [X], [fit_end], [origins], horizon,
                            panel=False)
    else:
        yield from _rolling(template, list(y),
                            list(X) if X is not None else [None] * len(y),
                            fit_end, origins, horizon, panel=True)


def _rolling(template, ys, Xs, fit_end, origins, horizon, panel):
    """:func:`rolling_forecasts` on lists (``panel``: the model takes lists)."""

    def rows(j, a, b):
        return None if Xs[j] is None else Xs[j].iloc[a:b]

    def pack(items):
        if panel:
            return items
        return items[0]

    heads = [s.iloc[:e] for s, e in zip(ys, fit_end)]
    Xh = [rows(j, 0, e) for j, e in enumerate(fit_end)]
    model = clone(template)
    model.fit(pack(heads), pack(Xh) if any(x is not None for x in Xh) else None)
    done = [int(e) for e in fit_end]
    n_rounds = max(len(o) for o in origins)
    for r in range(n_rounds):
        active = [j for j in range(len(ys)) if r < len(origins[j])]
        new_y, new_X, moved = [None] * len(ys), [None] * len(ys), False
        for j in active:
            o = int(origins[j][r])
            if o > done[j]:
                new_y[j] = ys[j].iloc[done[j]:o]
                new_X[j] = rows(j, done[j], o)
                done[j] = o
                moved = True
        if moved:
            has_x = any(x is not None for x in new_X)
            model.update(pack(new_y), pack(new_X) if has_x else None)
        fut = [rows(j, done[j], done[j] + horizon) for j in range(len(ys))]
        for j, x in enumerate(fut):
            if x is not None and len(x) < horizon and j not in active:
                # a series past its last origin is forecast too (a panel
                # forecasts every series) but not used: its exogenous rows
                # may run out, so the last one is repeated
                x = x if len(x) else Xs[j].iloc[-1:]
                pad = pd.DataFrame(np.repeat(x.to_numpy()[-1:], horizon - len(x), 0),
                                   columns=x.columns)
                fut[j] = pd.concat([x.reset_index(drop=True), pad], ignore_index=True)
                fut[j].index = future_index(_last_info(ys[j], done[j]), horizon)
        has_x = any(x is not None for x in fut)
        F = model.predict(horizon, pack(fut) if has_x else None)
        F = F if panel else [F]
        for j in active:
            yield j, done[j], np.asarray(F[j], dtype=np.float64).reshape(horizon, -1)


def _last_info(y, end):
    """The :class:`SeriesInfo` of ``y[:end]`` (for its future index)."""
    kind, freq = index_frequency(y.index)
    return SeriesInfo(kind=kind, freq=freq, last=y.index[end - 1],
                      index_name=y.index.name, tz=getattr(y.index, "tz", None))


def _check_finite_forecast(F, what="forecast"):
    """A forecast must be finite: NaN or inf means the closed loop diverged
    or the series' scale overflowed, and is an error, not a result."""
    bad = ~np.isfinite(F)
    if bad.any():
        step = int(np.flatnonzero(bad.any(axis=1))[0]) + 1
        raise ValueError(
            f"The {what} is not finite from step {step} on: the model diverged in "
            "closed loop or the series' values overflow float64. Rescale y, "
            "regularise the estimator (e.g. a larger alpha or a smaller "
            "spectral_radius) or forecast fewer steps.")
    return F


def _naive_scale(Y):
    """Mean absolute one-step change of ``Y`` (T, k), per column."""
    return np.mean(np.abs(np.diff(Y, axis=0)), axis=0)


class BaseForecaster(BaseEstimator):
    """Shared pandas plumbing: fit, predict, update, predict_interval, score."""

    _supports_exog = True

    # -- the one-series view of a fitted panel (the common case) ----------
    @property
    def _hist0(self):
        return self._histories[0]

    @property
    def _Y(self):
        return self._hist0.Y

    @_Y.setter
    def _Y(self, value):
        self._hist0.Y = value

    @property
    def _E(self):
        return self._hist0.E

    @property
    def _info(self):
        return self._hist0.info

    @property
    def _index(self):
        return self._hist0.index

    @_index.setter
    def _index(self, value):
        self._hist0.index = value

    # -- parameters ----------------------------------------------------------
    def _check_params(self):
        """Check every parameter before any data is read; keep Python-typed
        copies in private attributes (the public ones stay as given)."""
        self._nan_policy = check_choice(getattr(self, "nan_policy", "raise"),
                                        "nan_policy", _NAN_POLICIES)
        self._calibration_size = check_count_or_fraction(
            getattr(self, "calibration_size", 0.2), "calibration_size")
        self._validate_params()

    def _validate_params(self):
        pass

    # -- validation of the data ---------------------------------------------
    def _regularised(self, y, X, name, xname):
        """``(y, X, report)``: with a ``freq`` parameter set, ``y`` and ``X``
        on its regular grid (:func:`regularise`) and the report; otherwise as
        given, and None."""
        freq = getattr(self, "freq", None)
        if freq is None or y is None:
            return y, X, None
        if isinstance(freq, str) and freq == "auto":
            freq = None
        if not isinstance(y, (pd.Series, pd.DataFrame)):
            raise TypeError(f"{name} must be a pandas Series or DataFrame; got "
                            f"{type(y).__name__}.")
        try:
            report = regularise(y, freq)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"freq={self.freq!r} cannot regularise {name}: "
                            f"{exc}") from None
        if X is not None:
            if not isinstance(X, (pd.Series, pd.DataFrame)) or not X.index.equals(y.index):
                raise ValueError(f"{xname} must be on exactly {name}'s index (before "
                                 f"regularisation), so both go on the same grid.")
            X = regularise(X, report.freq).y
            if not X.index.equals(report.y.index):     # calendar bins of NaN rows
                X = X.reindex(report.y.index)
        return report.y, X, report

    def _check_history(self, y, X, name, xname, fitted=None):
        """One series (and its exogenous columns) as a :class:`History`;
        ``fitted``: the grid (kind, frequency, columns) it must be on."""
        Y, info, n_filled = check_series(y, name, nan_policy=self._nan_policy,
                                         fitted=fitted)
        E, exog_columns = None, None
        if X is not None:
            E, exog_columns = check_exog(
                X, y.index, getattr(self, "exog_columns_", None) if fitted else None,
                name=xname, nan_policy=self._nan_policy)
        hist = History(info=info, index=y.index, Y=Y, E=E, exog_columns=exog_columns)
        return hist, n_filled, exog_columns

    def _check_panel_grid(self, hists):
        """Every series of a panel: same kind of index, frequency, time zone
        and columns as the first."""
        first = hists[0].info
        for i, h in enumerate(hists[1:], start=1):
            info = h.info
            if info.kind != first.kind:
                raise TypeError(f"y[{i}] has a {info.kind} index but y[0] a "
                                f"{first.kind} one; every series of a panel needs "
                                "the same kind of index.")
            same = (info.freq == first.freq) if info.kind != "range" else True
            if not same or (info.kind == "datetime" and str(info.tz) != str(first.tz)):
                raise ValueError(
                    f"y[{i}] has frequency {info.freq!r} (time zone {info.tz}) but "
                    f"y[0] has {first.freq!r} (time zone {first.tz}); every series "
                    "of a panel shares one frequency: resample them first.")
            if info.was_series != first.was_series or (
                    not info.was_series and list(info.columns) != list(first.columns)):
                raise ValueError(
                    f"y[{i}] has columns {list(info.columns)} but y[0] has "
                    f"{list(first.columns)}; every series of a panel is fitted by "
                    "one model, so they need the same columns (Series or "
                    "DataFrames with the same column names).")

    # -- public API --------------------------------------------------------
    def fit(self, y, X=None):
        """Fit on the history ``y`` (and exogenous columns ``X``).

        Parameters
        ----------
        y : pandas.Series, pandas.DataFrame or list of them
            On a regular DatetimeIndex (its ``freq`` set or inferable),
            PeriodIndex or RangeIndex; sorted, unique, without gaps. A list
            is a panel of related series fitted as one model: each has its
            own index, length and start, all share one frequency (or are on
            integer indexes) and the same columns.
        X : pandas.DataFrame or list of them, optional
            Exogenous columns on exactly ``y``'s index (for a list ``y``, a
            list aligned with it).

        Returns
        -------
        self
        """
        self._check_params()
        panel = _is_panel(y)
        if X is not None and not self._supports_exog:
            raise ValueError(f"{type(self).__name__} does not use exogenous "
                             "columns; pass X=None.")
        if panel:
            ys, Xs = _panel_items(y, X)
            names = [(f"y[{i}]", f"X[{i}]") for i in range(len(ys))]
            if any(x is not None for x in Xs) and any(x is None for x in Xs):
                i = next(i for i, x in enumerate(Xs) if x is None)
                raise ValueError(f"X[{i}] is None but other series have exogenous "
                                 "columns; pass them for every series.")
        else:
            ys, Xs, names = [y], [X], [("y", "X")]
        hists, filled, exog, reports = [], [], [], []
        for s, x, (name, xname) in zip(ys, Xs, names):
            if s is None:
                raise TypeError(f"{name} is None; pass a Series or DataFrame.")
            s, x, report = self._regularised(s, x, name, xname)
            reports.append(report)
            h, n_filled, cols = self._check_history(s, x, name, xname)
            hists.append(h)
            filled.append(n_filled)
            exog.append(cols)
        if panel:
            self._check_panel_grid(hists)
            for i, cols in enumerate(exog[1:], start=1):
                if cols != exog[0]:
                    raise ValueError(f"X[{i}] has columns {cols} but X[0] has "
                                     f"{exog[0]}; pass the same exogenous columns "
                                     "for every series.")
        for h in hists:
            h.n_fit = len(h.Y)
        self._histories = hists
        self._panel = panel
        self.exog_columns_ = exog[0]
        self.n_interpolated_ = filled if panel else filled[0]
        self.regularised_ = (None if getattr(self, "freq", None) is None
                             else reports if panel else reports[0])
        self.n_series_ = len(hists)
        self.freq_ = hists[0].info.freq
        self._calibration = {}
        self._fit(hists)
        self.cutoff_ = ([h.info.last for h in hists] if panel
                        else hists[0].info.last)
        return self

    def _new_history(self, y, X, horizon):
        """A series the model was not fitted on (``predict(..., y=...)``):
        validated on the fitted grid; ``X`` covers its history and the
        future steps. Returns (hist, E_future, positions, future index)."""
        if _is_panel(y):
            raise TypeError("y (a history to forecast from) must be one Series or "
                            "DataFrame; call predict once per new series.")
        y, _, _ = self._regularised(y, None, "y", "X")
        Y, info, _ = check_series(y, "y", nan_policy=self._nan_policy,
                                  fitted=self._histories[0].info)
        if info.was_series:                 # its own name, not the fitted one's
            info = replace(info, name=y.name, columns=[y.name])
        pos, index = future_positions(info, horizon)
        n = int(pos[-1])
        hist = History(info=info, index=y.index, Y=Y, exog_columns=self.exog_columns_)
        E_future = None
        if self.exog_columns_ is not None:
            future = future_index(info, n)
            if X is None:
                raise ValueError(
                    f"X is required: the forecaster was fitted with exogenous "
                    f"columns {self.exog_columns_}; with y=history, pass them on "
                    f"the history's index and the {n} future steps ({y.index[0]!r} "
                    f"to {future[-1]!r}).")
            full = y.index.append(future)
            if isinstance(X, pd.DataFrame) and len(X) > len(full):
                X = X.iloc[:len(full)]
            E, _ = check_exog(X, full, self.exog_columns_, name="X",
                              nan_policy=self._nan_policy)
            hist.E, E_future = E[:len(Y)], E[len(Y):]
        elif X is not None:
            raise ValueError("X given but the forecaster was fitted without "
                             "exogenous columns; pass X=None.")
        min_T = self._min_history(n)
        if len(Y) < min_T:
            raise ValueError(f"y has {len(Y)} observations; at least {min_T} are "
                             "needed to forecast from it. Pass a longer history.")
        return hist, E_future, pos, index

    def _forecast_all(self, horizon, X, y):
        """([(j, hist, positions, index, E_future)], panel) of the series to
        forecast."""
        check_is_fitted(self, "cutoff_")
        if y is not None:
            hist, E_future, pos, index = self._new_history(y, X, horizon)
            return [(None, hist, pos, index, E_future)], False
        if self._panel:
            if isinstance(horizon, pd.Index):
                raise TypeError("horizon must be an int for a panel: every series "
                                "has its own future index.")
            Xs = _exog_list(X, len(self._histories))
        else:
            Xs = [X]
        out = []
        for j, (hist, x) in enumerate(zip(self._histories, Xs)):
            pos, index = future_positions(hist.info, horizon)
            n = int(pos[-1])
            xname = f"X[{j}]" if self._panel else "X"
            out.append((j, hist, pos, index, self._future_exog(hist, x, n, xname)))
        return out, self._panel

    def predict(self, horizon, X=None, *, y=None):
        """Forecast the steps after the end of the history.

        Parameters
        ----------
        horizon : int or pandas.Index
            Number of steps ahead, or the future labels themselves (sorted,
            on the series' frequency grid; they may skip steps). A fitted
            panel takes an int only.
        X : pandas.DataFrame or list of them, optional
            Exogenous columns for every future step up to the last requested
            one (index ``future_index(n)``); required iff ``fit`` had ``X``.
            A list (one per series) for a fitted panel. With ``y``, one
            DataFrame on the history's index followed by the future steps.
        y : pandas.Series or pandas.DataFrame, optional
            The history of a series the model was not fitted on (a new
            store, a new sensor): the fitted model forecasts from it, with
            its own scaling, trend and seasonal phase. It must be on the
            fitted frequency with the fitted columns; it may start anywhere.

        Returns
        -------
        pandas.Series, pandas.DataFrame or list of them
            On the future index, with the series' name / column names; a
            list in the fitted order for a fitted panel.
        """
        todo, panel = self._forecast_all(horizon, X, y)
        out = []
        for j, hist, pos, index, E_future in todo:
            F = _check_finite_forecast(self._predict(j, hist, int(pos[-1]), E_future))
            out.append(self._wrap(hist.info, F[pos - 1], index))
        return out if panel else out[0]

    def update(self, y_new, X_new=None):
        """Append new observations; later forecasts start after them.

        The model is not refitted: its parameters stay, only the history
        (and the warmed-up state) moves on. ``y_new`` goes through the same
        checks as ``fit``'s ``y`` (numbers only, no infinity, NaN by
        ``nan_policy``, interpolated across the junction with the history).

        Parameters
        ----------
        y_new : pandas.Series, pandas.DataFrame or list of them
            Observations for the steps right after the current history
            (its index must continue the history's exactly). For a fitted
            panel, a list in the fitted order; None for a series without
            new observations.
        X_new : pandas.DataFrame or list of them, optional
            Exogenous columns on ``y_new``'s index; required iff ``fit`` had ``X``.

        Returns
        -------
        self
        """
        check_is_fitted(self, "cutoff_")
        if self._panel:
            if not _is_panel(y_new):
                raise TypeError(f"y_new must be a list of {len(self._histories)} "
                                "series (None for a series without new "
                                "observations): the forecaster was fitted on a "
                                f"panel; got {type(y_new).__name__}.")
            ys, Xs = _panel_items(y_new, X_new, "y_new", "X_new")
            if len(ys) != len(self._histories):
                raise ValueError(f"y_new has {len(ys)} entries but the forecaster "
                                 f"was fitted on {len(self._histories)} series; "
                                 "pass one per series (None for no new data).")
            names = [(f"y_new[{i}]", f"X_new[{i}]") for i in range(len(ys))]
        else:
            ys, Xs, names = [y_new], [X_new], [("y_new", "X_new")]
        # every series is checked before any is appended
        checked, reports = [], []
        for j, (s, x, (name, xname)) in enumerate(zip(ys, Xs, names)):
            if s is None and self._panel:
                if x is not None:
                    raise ValueError(f"{xname} given but {name} is None.")
                checked.append(None)
                reports.append(None)
                continue
            s, x, report = self._regularised(s, x, name, xname)
            reports.append(report)
            checked.append(self._check_new(self._histories[j], s, x, name, xname))
        if getattr(self, "freq", None) is not None:
            self.regularised_ = reports if self._panel else reports[0]
        for j, item in enumerate(checked):
            if item is not None:
                self._append(j, *item)
        self._calibration = {}          # the residuals were of the old history
        last = [h.info.last for h in self._histories]
        self.cutoff_ = last if self._panel else last[0]
        return self

    def _check_new(self, hist, y_new, X_new, name, xname):
        info = hist.info
        values, _, _ = check_series(y_new, name, nan_policy=self._nan_policy,
                                    fitted=info, continuing=True,
                                    previous=hist.Y[-1])
        self._check_domain(values, name, y_new.index)
        E_new = None
        if self.exog_columns_ is not None:
            if X_new is None:
                raise ValueError(f"{xname} is required: the forecaster was fitted "
                                 f"with exogenous columns {self.exog_columns_}.")
            E_new, _ = check_exog(X_new, y_new.index, self.exog_columns_,
                                  name=xname, nan_policy=self._nan_policy)
        elif X_new is not None:
            raise ValueError(f"{xname} given but the forecaster was fitted without "
                             "exogenous columns.")
        expected = future_index(info, len(values), name)
        return values, E_new, expected

    def _append(self, j, values, E_new, expected):
        hist = self._histories[j]
        info = hist.info
        hist.Y = np.vstack([hist.Y, values])
        if E_new is not None:
            hist.E = np.vstack([hist.E, E_new])
        if info.kind == "range":
            hist.index = pd.RangeIndex(hist.index[0], int(expected[-1]) + info.freq,
                                       info.freq, name=info.index_name)
        elif info.kind == "datetime":
            hist.index = pd.DatetimeIndex(hist.index.append(expected),
                                          freq=info.freq, name=info.index_name)
        else:
            hist.index = hist.index.append(expected)
        info.last = expected[-1]
        self._on_update(j, len(values))

    def predict_interval(self, horizon, coverage=0.9, X=None, *, y=None):
        """Conformal prediction intervals from the model's own backtest.

        The history's last ``calibration_size`` observations serve as rolling
        forecast origins for a copy of this forecaster fitted on the data
        before them (advanced with :meth:`update`, not refitted). For each
        step ahead h, the interval is the point forecast plus or minus the
        ``ceil((n + 1) * coverage) / n`` empirical quantile of the ``n``
        absolute h-step residuals (split conformal), taken in the space the
        model forecasts in (after a target ``transform``, whose inverse then
        maps the bounds back: they stay in its domain, e.g. positive for
        ``transform="log"``). The residuals are computed once per horizon
        and history: :meth:`update` discards them, so intervals depend only
        on the data seen, not on earlier calls.

        After :meth:`update`, the copy is fitted on no more than this model
        was, so the residuals are the ones this model makes on data it was
        not fitted on.

        A ``ForecastingWarning`` says how many calibration backtests
        (origins) there are when they are too few for the coverage asked:
        fewer than ``coverage / (1 - coverage)`` cannot give a finite
        conformal quantile (the largest residual is then used), and fewer
        than ``coverage * (1 - coverage) / 0.05**2 - 2`` (62 at 80 %, 34 at
        90 %, 17 at 95 %) give intervals whose coverage varies by more than
        5 points (one standard deviation of the split-conformal coverage)
        from one calibration to the next.

        Parameters
        ----------
        horizon : int or pandas.Index
        coverage : float in (0, 1), default=0.9
        X : pandas.DataFrame or list of them, optional
            Future exogenous columns, as in :meth:`predict`.
        y : pandas.Series or pandas.DataFrame, optional
            A series the model was not fitted on, as in :meth:`predict`:
            the fitted model forecasts from origins in its own last
            ``calibration_size`` observations (it has never seen them, so
            these residuals are out of sample without refitting).

        Returns
        -------
        pandas.DataFrame or list of them
            Columns ``lower`` and ``upper`` (for a multivariate series, a
            MultiIndex ``(column, "lower"/"upper")``) on the future index;
            a list for a fitted panel.
        """
        check_is_fitted(self, "cutoff_")
        coverage = check_param(coverage, "coverage", low=0, high=1,
                               low_inclusive=False, high_inclusive=False,
                               hint="E.g. 0.9 for a 90% interval.")
        todo, panel = self._forecast_all(horizon, X, y)
        n_max = max(int(pos[-1]) for _, _, pos, _, _ in todo)
        if y is not None:
            residuals = [self._new_series_residuals(todo[0][1], n_max)]
        else:
            residuals = self._calibration_residuals(n_max)
        out = []
        for (j, hist, pos, index, E_future), R in zip(todo, residuals):
            n = int(pos[-1])
            R = R[:, :n]
            q = self._conformal_quantile(R, coverage, stacklevel=3)      # (n, k)
            point = _check_finite_forecast(self._predict(j, hist, n, E_future))
            Z = self._to_model_space(j, hist, point)
            lower = self._from_model_space(j, hist, Z - q)
            upper = self._from_model_space(j, hist, Z + q)
            out.append(self._interval_frame(hist.info, lower[pos - 1],
                                            upper[pos - 1], index))
        return out if panel else out[0]

    @staticmethod
    def _conformal_quantile(R, coverage, stacklevel=2):
        n_cal = R.shape[0]
        need = math.ceil((n_cal + 1) * coverage)
        # a finite conformal quantile needs n >= c / (1 - c) residuals; the
        # coverage of a split-conformal interval from n of them varies by
        # about sqrt(c (1 - c) / (n + 2)) from one calibration to the next
        finite = math.ceil(coverage / (1 - coverage) - 1e-9)
        precise = math.ceil(coverage * (1 - coverage) / 0.05 ** 2 - 2)
        if need > n_cal:
            warnings.warn(
                f"Only {n_cal} calibration backtests (rolling origins) per step: "
                f"coverage={coverage} needs at least {finite} for a finite conformal "
                "quantile, so the largest residual is used and the interval may "
                "cover less than asked. Increase calibration_size or pass a longer "
                "series.", ForecastingWarning, stacklevel=stacklevel + 1)
        elif n_cal < precise:
            warnings.warn(
                f"Only {n_cal} calibration backtests (rolling origins) per step "
                f"support coverage={coverage}: about {precise} are needed for its "
                "coverage to vary by less than 5 points (one standard deviation). "
                "Increase calibration_size or pass a longer series.",
                ForecastingWarning, stacklevel=stacklevel + 1)
        level = min(1.0, need / n_cal)
        return np.quantile(R, level, axis=0, method="higher")

    def score(self, y, X=None):
        """Negated MASE of the forecast of the observations ``y`` that follow
        the fitted history (greater is better).

        The forecaster forecasts ``len(y)`` steps after its history (``X``:
        their exogenous columns) and the mean absolute error is divided by
        the in-sample mean absolute one-step change of the fitted history
        (the MASE of Hyndman & Koehler with m = 1; for a panel, per series,
        then pooled over every value). The sign follows scikit-learn's
        convention that a score is maximised (its ``neg_mean_absolute_error``
        scorer is negated for the same reason), so
        ``GridSearchCV(Forecaster(), grid, cv=TimeSeriesSplit(test_size=h))``
        picks the lowest error. MASE rather than MAE because it is
        scale-free: the folds of a time-series split have histories of
        different levels and spreads, and their scores are averaged.

        Parameters
        ----------
        y : pandas.Series, pandas.DataFrame or list of them
            The observations right after the fitted history (index
            continuing it); a list for a fitted panel.
        X : pandas.DataFrame or list of them, optional
            Their exogenous columns; required iff ``fit`` had ``X``.

        Returns
        -------
        float

        Examples
        --------
        Tune the ESN's knobs and the forecaster's own parameters on rolling
        origins (each fold fits on the past and scores the next 24 hours):

        >>> import numpy as np, pandas as pd
        >>> from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
        >>> from forecasting import Forecaster
        >>> t = np.arange(480)
        >>> y = pd.Series(np.sin(2 * np.pi * t / 24) + 0.01 * t,
        ...               pd.date_range("2024", periods=480, freq="h"))
        >>> grid = {"estimator__n_reservoir": [50, 100],
        ...         "estimator__spectral_radius": [0.5, 0.9],
        ...         "n_fourier": [1, 3]}
        >>> search = GridSearchCV(Forecaster(), grid,
        ...                       cv=TimeSeriesSplit(n_splits=2, test_size=24))
        >>> search = search.fit(y)
        >>> sorted(search.best_params_)
        ['estimator__n_reservoir', 'estimator__spectral_radius', 'n_fourier']
        >>> bool(search.best_score_ < 0)
        True
        >>> len(search.best_estimator_.predict(24))
        24
        """
        check_is_fitted(self, "cutoff_")
        if self._panel:
            if not _is_panel(y):
                raise TypeError("y must be a list of series (one per fitted "
                                "series) for a forecaster fitted on a panel.")
            ys, Xs = _panel_items(y, X)
            if len(ys) != len(self._histories):
                raise ValueError(f"y has {len(ys)} entries but the forecaster was "
                                 f"fitted on {len(self._histories)} series.")
            names = [f"y[{i}]" for i in range(len(ys))]
        else:
            ys, Xs, names = [y], [X], ["y"]
        scaled = []
        for j, (s, x, name) in enumerate(zip(ys, Xs, names)):
            hist = self._histories[j]
            values, _, _ = check_series(s, name, nan_policy="raise", fitted=hist.info,
                                        continuing=True)
            n = len(values)
            E_future = self._future_exog(hist, x, n, "X")
            F = _check_finite_forecast(self._predict(j, hist, n, E_future))
            scale = _naive_scale(hist.Y)
            scale = np.where(scale > 0, scale, 1.0)
            scaled.append((np.abs(values - F) / scale).ravel())
        return -float(np.mean(np.concatenate(scaled)))

    def plot(self, horizon, coverage=0.9, X=None, *, y=None, series=0,
             n_history=None, ax=None):
        """Draw the tail of the history, the forecast and its interval.

        Needs matplotlib (the ``plot`` extra); see
        :func:`forecasting.plotting.plot_forecast`.

        Parameters
        ----------
        horizon : int or pandas.Index
            As in :meth:`predict`.
        coverage : float in (0, 1) or None, default=0.9
            Coverage of the conformal interval drawn (:meth:`predict_interval`);
            None draws no interval.
        X : pandas.DataFrame or list of them, optional
            Future exogenous columns, as in :meth:`predict`.
        y : pandas.Series or pandas.DataFrame, optional
            A series the model was not fitted on, as in :meth:`predict`.
        series : int, default=0
            For a forecaster fitted on a panel: the position of the series
            drawn.
        n_history : int, optional
            Observations of the history shown (default
            ``max(5 * horizon, 200)``).
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when None.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from forecasting import SeasonalNaiveForecaster
        >>> y = pd.Series(np.sin(np.arange(96) * np.pi / 12),
        ...               pd.date_range("2024", periods=96, freq="h"))
        >>> ax = SeasonalNaiveForecaster(24).fit(y).plot(12, coverage=0.8)
        >>> [line.get_label() for line in ax.get_lines()]
        ['history', 'forecast']
        >>> len(ax.collections)                  # the interval band
        1
        """
        from .plotting import _pyplot, plot_forecast
        _pyplot()                               # the ImportError before any work
        check_is_fitted(self, "cutoff_")
        if y is not None:
            history = y
        elif self._panel:
            n = len(self._histories)
            if isinstance(series, (bool, np.bool_)) or not isinstance(
                    series, (int, np.integer)) or not -n <= series < n:
                raise ValueError(f"series={series!r} must be the position of a "
                                 f"fitted series, 0 to {n - 1}.")
            history = self._histories[int(series)].pandas()[0]
        else:
            history = self._histories[0].pandas()[0]
        pick = (lambda out: out) if (y is not None or not self._panel) else \
            (lambda out: out[int(series)])
        forecast = pick(self.predict(horizon, X, y=y))
        interval = None
        if coverage is not None:
            interval = pick(self.predict_interval(horizon, coverage, X, y=y))
        return plot_forecast(history, forecast, interval, n_history=n_history, ax=ax)

    # -- helpers -----------------------------------------------------------
    def _min_history(self, horizon):
        return 1

    def _on_update(self, j, n_new):
        pass

    def _check_domain(self, Y, name, index):
        """Refuse values the forecaster cannot model (e.g. outside the
        domain of a target transform); called on every new observation."""

    def _to_model_space(self, j, hist, Y):
        return Y

    def _from_model_space(self, j, hist, Z):
        return Z

    def _future_exog(self, hist, X, n, xname="X"):
        if self.exog_columns_ is None:
            if X is not None:
                raise ValueError("X given to predict but the forecaster was fitted "
                                 "without exogenous columns; pass X=None or refit "
                                 "with X.")
            return None
        future = future_index(hist.info, n)
        if X is None:
            raise ValueError(
                f"{xname} is required: the forecaster was fitted with exogenous "
                f"columns {self.exog_columns_}; pass their values for the {n} future "
                f"steps ({future[0]!r} to {future[-1]!r}).")
        E, _ = check_exog(X, future, self.exog_columns_, name=xname,
                          nan_policy="raise")
        return E

    @staticmethod
    def _wrap(info, F, index):
        if info.was_series:
            return pd.Series(F[:, 0], index=index, name=info.name)
        return pd.DataFrame(F, index=index, columns=info.columns)

    @staticmethod
    def _interval_frame(info, lower, upper, index):
        if info.was_series:
            return pd.DataFrame({"lower": lower[:, 0], "upper": upper[:, 0]},
                                index=index)
        data = {}
        for j, c in enumerate(info.columns):
            data[(c, "lower")] = lower[:, j]
            data[(c, "upper")] = upper[:, j]
        return pd.DataFrame(data, index=index)

    def _calibration_origins(self, horizon, hist=None):
        hist = self._hist0 if hist is None else hist
        T = len(hist.Y)
        size = self._calibration_size
        C = int(round(size * T)) if isinstance(size, float) else size
        first = max(T - C, self._min_history(horizon))
        last = T - horizon            # last origin with all h-step actuals
        if last < first:
            raise ValueError(
                f"predict_interval needs rolling origins in the history's last "
                f"calibration_size={self.calibration_size} observations ({C} of "
                f"{T}) with a horizon of {horizon} actuals after each and at least "
                f"{self._min_history(horizon)} observations before the first: "
                "increase calibration_size, shorten the horizon or pass a longer "
                "series.")
        n = last - first + 1
        stride = max(1, math.ceil(n / MAX_CALIBRATION_ORIGINS))
        return np.arange(first, last + 1, stride)

    def _calibration_residuals(self, horizon):
        """Per series, the (n_origins, horizon, k) absolute residuals in the
        model's space of a clone fitted before the calibration origins.

        The clone is fitted on the observations before the first origin, or
        on those this model was fitted on if fewer (after :meth:`update`):
        it then is this model, and its residuals are the ones this model
        really makes on data it was not fitted on, not those of a model
        refitted more recently than it was."""
        cached = self._calibration.get(horizon)
        if cached is not None:
            return cached
        hists = self._histories
        origins = [self._calibration_origins(horizon, h) for h in hists]
        pandas = [h.pandas() for h in hists]
        ys = [p[0] for p in pandas]
        Xs = [p[1] for p in pandas]
        out = [np.empty((len(o), horizon, h.Y.shape[1])) for o, h in zip(origins, hists)]
        counters = [0] * len(hists)
        ends = [min(int(o[0]), h.n_fit) for o, h in zip(origins, hists)]
        if self._panel:
            runs = rolling_forecasts(self, ys, Xs if self.exog_columns_ else None,
                                     ends, origins, horizon)
        else:
            runs = rolling_forecasts(self, ys[0], Xs[0], ends[0], origins[0], horizon)
        for j, origin, F in runs:
            hist = hists[j]
            actual = hist.Y[origin:origin + horizon]
            out[j][counters[j]] = np.abs(self._to_model_space(j, hist, actual)
                                         - self._to_model_space(j, hist, F))
            counters[j] += 1
        self._calibration[horizon] = out
        return out

    def _new_series_residuals(self, hist, horizon):
        """Residuals of the fitted model forecasting a new series from the
        origins in its own last ``calibration_size`` observations."""
        origins = self._calibration_origins(horizon, hist)
        out = np.empty((len(origins), horizon, hist.Y.shape[1]))
        for i, o in enumerate(origins):
            head = History(info=replace(hist.info, last=hist.index[o - 1]),
                           index=hist.index[:o], Y=hist.Y[:o],
                           E=None if hist.E is None else hist.E[:o])
            E_future = None if hist.E is None else hist.E[o:o + horizon]
            F = _check_finite_forecast(self._predict(None, head, horizon, E_future))
            out[i] = np.abs(self._to_model_space(None, hist, hist.Y[o:o + horizon])
                            - self._to_model_space(None, hist, F))
        return out


"""Anomaly scores for pandas series: :class:`AnomalyDetector` on a reservoir
model, and two baselines with the same interface.

Every detector follows one causal pipeline, chunk by chunk (a whole series,
or the new points given to :meth:`~AnomalyDetector.update`):

1. **prediction** -- a one-step-ahead prediction ``yhat(t)`` of each column
   from the data before ``t`` (the ESN's, the value one season ago, or the
   rolling mean);
2. **normalised residual** -- ``r(t) = (e(t) - median) / scale`` per
   column, with ``e = y - yhat`` and the median and the scale (interquartile
   range / 1.349) of the residuals of the previous ``window`` steps, so a
   score means the same on any series and follows the residuals' own drift;
   the scale never drops below ``scale_floor`` times the residual scale seen
   in ``fit`` (constant stretches give finite scores);
3. **combination** -- ``a(t) = sqrt(mean_j r_j(t)^2)`` over the columns; each
   column's contribution is its share ``r_j^2 / sum_j r_j^2``;
4. **score** -- ``score="likelihood"`` (default, after Numenta's anomaly
   likelihood): the mean of ``a`` over the last ``smoothing`` steps,
   compared with the mean and standard deviation of ``a`` over the previous
   ``window`` steps, reported as the Gaussian tail's surprise
   ``-log10 Q(z)`` (5 means a 1-in-100,000 event); ``score="robust_z"``:
   ``a(t)`` itself.

Steps before a detector has a prediction and ``min_periods`` earlier
residuals (the warm-up) score 0. Scores are never NaN.

Timestamps
----------
Detectors score the rows as they come, in the input's order, as NAB does:
every input row gets a score on the input's own index, and nothing is
dropped, reordered or aggregated.

* The step is the index frequency when there is one, else the median of the
  positive steps (read as a round number of days, hours, minutes or seconds
  within 2 %); seasons (``season_length="auto"``) come from it, or are given
  in steps with ``season_length``.
* A gap (a step longer than 1.5 steps) is allowed: the model continues from
  the previous row, the seasonal inputs take the row's own time.
  ``AnomalyResult.after_gap`` marks the rows after one.
* A duplicated timestamp is scored as one more row (monitoring systems write
  two observations at one time; neither is dropped or averaged);
  ``AnomalyResult.duplicate`` marks the repeats.
* An occasional small step back (at most an hour, or one step if longer, and
  at most 1 % of the steps: a daylight-saving change, a replayed buffer) is
  scored in row order and marked in ``AnomalyResult.step_back``; a larger
  one, or an unsorted series, is an error that says how to fix it.
* ``nan_policy="interpolate"`` fills NaN values linearly; the rows are
  marked in ``AnomalyResult.imputed`` and never raise an alarm.

To put a series on a regular grid on purpose (aggregating duplicates,
inserting missing steps), use :func:`forecasting.regularise` first.

The default alarm rule
----------------------
An alarm when the score exceeds ``threshold=3`` (a 1-in-1,000 surprise),
at most one per ``cooldown + 1 = 201`` rows. It was chosen by a protocol
that keeps the scored series out of the choice (leave one NAB category or
one file out, ``benchmarks/bench_anomaly.py``; the numbers per category are
in ``benchmarks/anomaly_results.md``). Lower ``threshold`` (2) or a shorter
``cooldown`` for more, earlier alarms; a higher ``threshold`` (4, 5), a
longer ``cooldown`` or ``rearm=True`` for fewer. ``AnomalyResult.flag``
replays another rule on stored scores.
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from numba import njit
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from . import _transforms as tf
from ._validation import (_NAN_POLICIES, check_bool, check_choice, check_param,
                          check_stream,
                          power_of_two_scale, resolve_seasons)
from ._warnings import ForecastingWarning

__all__ = ["AnomalyDetector", "AnomalyResult", "RollingZScoreDetector",
           "SeasonalNaiveDetector", "default_anomaly_estimator"]

_SCORES = ("likelihood", "robust_z")
# The default alarm rule, chosen by the protocol of benchmarks/bench_anomaly.py
# (benchmarks/anomaly_results.md): an alarm when the score exceeds
# DEFAULT_THRESHOLD, at most one per DEFAULT_COOLDOWN + 1 rows.
DEFAULT_THRESHOLD = 3.0
DEFAULT_COOLDOWN = 200
DEFAULT_REARM = False
_IQR_TO_SIGMA = 1.349          # IQR of a standard normal
_LN10 = math.log(10.0)
_MAX_SCORE = 1e6               # caps robust_z scores of a constant stretch
# Floor of the rolling standard deviation of the combined residual ``a`` in
# the likelihood score. ``a`` is a normalised residual (about 1 on normal
# data), so its spread is of order 1; without a floor, a stretch where ``a``
# barely moves would make the next small wiggle look infinitely surprising.
_LIKELIHOOD_SD_FLOOR = 0.1
# When every training residual is exactly 0 (a series the model predicts
# perfectly), the residual scale falls back to this share of the series'
# standard deviation, so the normalisation never divides by zero and any
# later deviation scores high.
_MIN_RESIDUAL_SCALE = 1e-9


@dataclass
class AnomalyResult:
    """Scores, threshold, flags and per-column contributions of one series.

    Attributes
    ----------
    scores : pandas.Series
        Anomaly score per timestamp on the input's index (higher = more
        anomalous, 0 during the warm-up, never NaN).
    threshold : float
        The detector's ``threshold_``.
    flags : pandas.Series of bool
        ``scores > threshold``, except within ``cooldown`` steps after an
        earlier flag of the same run.
    contributions : pandas.DataFrame
        One column per input column: its share of the squared normalised
        residuals at each timestamp (rows sum to 1; equal shares when all
        residuals are 0 or during the warm-up).
    predictions : pandas.DataFrame
        The one-step-ahead predictions the residuals come from, in the
        series' units (NaN where the detector has none yet).
    imputed : pandas.Series of bool
        Rows holding a value filled by ``nan_policy="interpolate"``; they
        are never flagged.
    after_gap : pandas.Series of bool
        Rows whose step from the previous row is longer than 1.5 steps of
        ``freq_`` (a gap in the timestamps).
    duplicate : pandas.Series of bool
        Rows whose timestamp equals the previous row's (scored as the next
        observation, in row order).
    step_back : pandas.Series of bool
        Rows whose timestamp is earlier than the previous row's (scored in
        row order).

    cooldown : int
        The detector's ``cooldown`` (rows after an alarm with no new one).
    rearm : bool
        The detector's ``rearm``.

    All the Series are on the input's index, in the input's order.
    """

    scores: pd.Series
    threshold: float
    flags: pd.Series
    contributions: pd.DataFrame
    predictions: pd.DataFrame
    imputed: pd.Series = None
    after_gap: pd.Series = None
    duplicate: pd.Series = None
    step_back: pd.Series = None

    cooldown: int = 0
    rearm: bool = False

    def flag(self, threshold=None, *, cooldown=None, rearm=None):
        """The alarms another rule would raise on these scores.

        A quick way to make the detector more or less sensitive without
        scoring again; equal to the ``flags`` of a detector with these
        parameters run over the same rows (imputed rows are never flagged).
        The rule's state starts afresh at the first row.

        Parameters
        ----------
        threshold : float or None, default=None
            Score above which a row may raise an alarm (None: this result's).
        cooldown : int or None, default=None
            Rows after an alarm during which no new alarm is raised.
        rearm : bool or None, default=None
            Whether a new alarm needs the score to have come back to the
            threshold or below since the last one.

        Returns
        -------
        pandas.Series of bool
            On the scores' index, named ``"anomaly"``.

        Examples
        --------
        >>> import pandas as pd
        >>> from forecasting import AnomalyResult
        >>> s = pd.Series([0.0, 4, 5, 0, 4, 0, 0, 6])
        >>> none = pd.Series(False, index=s.index)
        >>> res = AnomalyResult(s, 3.0, s > 3, None, None, imputed=none)
        >>> res.flag(cooldown=2).tolist()
        [False, True, False, False, True, False, False, True]
        >>> res.flag(cooldown=3, rearm=True).tolist()
        [False, True, False, False, False, False, False, True]
        """
        thr = self.threshold if threshold is None else check_param(
            threshold, "threshold", hint="A number on the score's scale.")
        cd = self.cooldown if cooldown is None else check_param(
            cooldown, "cooldown", kind=Integral, low=0)
        re = self.rearm if rearm is None else check_bool(rearm, "rearm")
        eligible = (np.ones(len(self.scores), dtype=bool) if self.imputed is None
                    else ~self.imputed.to_numpy(dtype=bool))
        out, _ = _alarms(self.scores.to_numpy(dtype=np.float64), eligible, thr,
                         cd, re)
        return pd.Series(out, index=self.scores.index, name="anomaly")

    def to_frame(self):
        """Every per-row part in one DataFrame on the input's index.

        Returns
        -------
        pandas.DataFrame
            Columns ``score``, ``anomaly``, ``imputed``, ``after_gap``,
            ``duplicate``, ``step_back``.
        """
        parts = {"score": self.scores, "anomaly": self.flags,
                 "imputed": self.imputed, "after_gap": self.after_gap,
                 "duplicate": self.duplicate, "step_back": self.step_back}
        # arrays, not Series: an index with duplicated timestamps cannot align
        return pd.DataFrame({k: v.to_numpy() for k, v in parts.items()},
                            index=self.scores.index)

    def __repr__(self):
        return (f"AnomalyResult({len(self.scores)} scores, threshold "
                f"{self.threshold:.4g}, {int(self.flags.sum())} flagged)")


# -- the alarm rule: one compiled pass over the scores ------------------------
_NEVER = 2**62          # "steps since the last alarm" before the first alarm


@njit(cache=True, nogil=True)
def _alarm_kernel(scores, eligible, threshold, cooldown, rearm, since, armed, out):
    """Alarms of one chunk of scores, continuing the rule's state.

    scores (n,) float64, eligible (n,) bool (False: never an alarm, e.g. an
    imputed row), out (n,) bool filled in place. An alarm is raised at step
    i when ``scores[i] > threshold``, ``eligible[i]``, more than ``cooldown``
    steps have passed since the last alarm (``since`` counts them) and, with
    ``rearm``, the score has been at or below ``threshold`` since that alarm
    (``armed``). Returns the state (since, armed) after the chunk.
    """
    for i in range(scores.shape[0]):
        if since < _NEVER:
            since += 1
        if scores[i] > threshold:
            if eligible[i] and since > cooldown and (armed or not rearm):
                out[i] = True
                since = 0
                armed = False
        else:
            armed = True
    return since, armed


def _alarms(scores, eligible, threshold, cooldown, rearm, state=None):
    """(alarms, state) of the rule on ``scores``; ``state`` carries over."""
    since, armed = (_NEVER, True) if state is None else state
    out = np.zeros(len(scores), dtype=bool)
    since, armed = _alarm_kernel(np.ascontiguousarray(scores, dtype=np.float64),
                                 np.ascontiguousarray(eligible, dtype=np.bool_),
                                 float(threshold), int(cooldown), bool(rearm),
                                 int(since), bool(armed), out)
    return out, (int(since), bool(armed))


# -- the pipeline's math: pure functions on arrays --------------------------
#: Chunks of at most this many rows (an online ``update`` of a few rows) use
#: the direct kernels below: a few rows do not pay for pandas' rolling
#: machinery over the whole window, and the cost per row stays that of one
#: window, whatever the history. Longer chunks use pandas' rolling windows
#: (O(log window) per row). Both compute the same statistics (to rounding).
_DIRECT_ROWS = 32


@njit(cache=True, nogil=True)
def _window_quartiles_kernel(E_hist, E, window, min_periods, med, q1, q3):
    """Median and quartiles (linear interpolation) of the non-NaN values of
    the ``window`` rows before each row of ``E`` (n, k), the rows of
    ``E_hist`` (h, k) preceding ``E``; NaN where fewer than ``min_periods``.
    Fills med, q1, q3 (n, k) in place."""
    h = E_hist.shape[0]
    n, k = E.shape
    buf = np.empty(window)
    for i in range(n):
        end = h + i
        start = max(0, end - window)
        for j in range(k):
            m = 0
            for r in range(start, end):
                v = E_hist[r, j] if r < h else E[r - h, j]
                if not np.isnan(v):
                    buf[m] = v
                    m += 1
            if m < min_periods or m == 0:
                med[i, j] = np.nan
                q1[i, j] = np.nan
                q3[i, j] = np.nan
                continue
            a = np.sort(buf[:m])
            for p, dst in ((0.5, med), (0.25, q1), (0.75, q3)):
                x = p * (m - 1)
                lo = int(np.floor(x))
                hi = min(lo + 1, m - 1)
                dst[i, j] = a[lo] + (a[hi] - a[lo]) * (x - lo)


@njit(cache=True, nogil=True)
def _window_moments_kernel(a_hist, a, window, min_periods, smoothing, mu, sd,
                           short):
    """Mean and standard deviation (ddof 1) of the non-NaN values of the
    ``window`` values before each value of ``a`` (n,), ``a_hist`` (h,)
    preceding it (NaN where fewer than ``min_periods``), and the mean of the
    non-NaN values among the last ``smoothing`` ones up to and including it
    (NaN where there is none). Fills mu, sd, short (n,) in place."""
    h = a_hist.shape[0]
    n = a.shape[0]
    for i in range(n):
        end = h + i
        start = max(0, end - window)
        m = 0
        total = 0.0
        for r in range(start, end):
            v = a_hist[r] if r < h else a[r - h]
            if not np.isnan(v):
                total += v
                m += 1
        if m >= min_periods and m > 0:
            mean = total / m
            ss = 0.0
            for r in range(start, end):
                v = a_hist[r] if r < h else a[r - h]
                if not np.isnan(v):
                    ss += (v - mean) * (v - mean)
            mu[i] = mean
            sd[i] = np.sqrt(ss / (m - 1)) if m > 1 else np.nan
        else:
            mu[i] = np.nan
            sd[i] = np.nan
        c = 0
        total = 0.0
        for r in range(max(0, end + 1 - smoothing), end + 1):
            v = a_hist[r] if r < h else a[r - h]
            if not np.isnan(v):
                total += v
                c += 1
        short[i] = total / c if c > 0 else np.nan


def _rolling(frame, window, min_periods):
    return frame.rolling(window, min_periods=min_periods)


def _normalise(E_hist, E, window, min_periods, floor):
    """Normalised residuals of the rows of ``E`` (n, k) given the preceding
    rows ``E_hist`` (h, k) (NaN = no residual). Median and IQR over the
    ``window`` rows before each row; NaN where fewer than ``min_periods``."""
    h = len(E_hist)
    if len(E) <= _DIRECT_ROWS:
        med, q1, q3 = (np.empty(E.shape) for _ in range(3))
        _window_quartiles_kernel(np.ascontiguousarray(E_hist, dtype=np.float64),
                                 np.ascontiguousarray(E, dtype=np.float64),
                                 int(window), int(min_periods), med, q1, q3)
        scale = np.maximum((q3 - q1) / _IQR_TO_SIGMA, floor)
        return (E - med) / scale
    both = pd.DataFrame(np.vstack([E_hist, E]))
    roll = _rolling(both, window, min_periods)
    med = roll.median().shift(1).to_numpy()[h:]
    q1 = roll.quantile(0.25).shift(1).to_numpy()[h:]
    q3 = roll.quantile(0.75).shift(1).to_numpy()[h:]
    scale = np.maximum((q3 - q1) / _IQR_TO_SIGMA, floor)
    return (E - med) / scale


def _combine(R):
    """(a, shares): RMS over columns and each column's share of r^2."""
    sq = R * R
    total = sq.sum(axis=1)
    k = R.shape[1]
    a = np.sqrt(total / k)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total[:, None] > 0, sq / total[:, None], 1.0 / k)
    shares[~np.isfinite(shares).all(axis=1)] = 1.0 / k
    return a, shares


def _likelihood(a_hist, a, window, min_periods, smoothing, sd_floor):
    """Surprise ``-log10 Q(z)`` of the short mean of ``a`` against the
    preceding ``window`` values of ``a``; NaN while undefined."""
    from scipy.special import log_ndtr
    h = len(a_hist)
    if len(a) <= _DIRECT_ROWS:
        mu, sd, short = (np.empty(len(a)) for _ in range(3))
        _window_moments_kernel(np.ascontiguousarray(a_hist, dtype=np.float64),
                               np.ascontiguousarray(a, dtype=np.float64),
                               int(window), int(min_periods), int(smoothing),
                               mu, sd, short)
        sd = np.maximum(sd, sd_floor)
    else:
        both = pd.Series(np.concatenate([a_hist, a]))
        roll = _rolling(both, window, min_periods)
        mu = roll.mean().shift(1).to_numpy()[h:]
        sd = np.maximum(roll.std().shift(1).to_numpy()[h:], sd_floor)
        short = both.rolling(smoothing, min_periods=1).mean().to_numpy()[h:]
    z = (short - mu) / sd
    out = -log_ndtr(-z) / _LN10
    out[np.isnan(a)] = np.nan
    return out


# -- the template ------------------------------------------------------------
class _BaseDetector(BaseEstimator):
    """Shared plumbing: validation, normalisation, threshold, stream state.

    Subclasses implement ``_fit_model(Y, t)``, ``_new_stream()`` and
    ``_predict_chunk(Y, t, stream) -> (pred, scale)``: one-step-ahead
    predictions (n, k) for the rows of a chunk, NaN where there is none, and
    optionally their own scales (n, k) (then step 2 of the pipeline is
    replaced by ``(y - pred) / scale``); ``stream`` is a dict they update.
    """

    # -- parameters --------------------------------------------------------
    def _validate_base(self):
        """Check the shared parameters; keep Python-typed copies."""
        check_choice(self.score, "score", _SCORES)
        self._nan_policy = check_choice(self.nan_policy, "nan_policy", _NAN_POLICIES)
        self._contamination = None if self.contamination is None else check_param(
            self.contamination, "contamination", low=0, high=0.5,
            low_inclusive=False, hint="E.g. 0.01 (the share of training steps "
            "expected to be anomalous), or None to use threshold.")
        self._threshold = check_param(
            self.threshold, "threshold",
            hint=f"A number on the score's scale (default {DEFAULT_THRESHOLD:g}; "
            "lower is more sensitive).")
        self._window = check_param(self.window, "window", kind=Integral, low=3)
        self._min_periods = check_param(self.min_periods, "min_periods",
                                        kind=Integral, low=2)
        if self._min_periods > self._window:
            raise ValueError(f"min_periods={self.min_periods} must not exceed "
                             f"window={self.window}.")
        self._smoothing = check_param(self.smoothing, "smoothing", kind=Integral,
                                      low=1)
        self._cooldown = check_param(self.cooldown, "cooldown", kind=Integral, low=0)
        self._rearm = check_bool(self.rearm, "rearm")
        self._scale_floor = check_param(self.scale_floor, "scale_floor", low=0,
                                        high=1, low_inclusive=False)

    # -- public API ----------------------------------------------------------
    def fit(self, y):
        """Fit the model on ``y`` and set ``threshold_`` from its scores.

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            Numeric columns on a DatetimeIndex, PeriodIndex or integer index,
            rows in time order as they came: gaps, duplicated timestamps and
            an occasional small step back are allowed (see
            :mod:`forecasting.anomaly`, "Timestamps").

        Returns
        -------
        self
        """
        self._validate_base()
        self._validate_params()
        Y, info, marks = check_stream(y, "y", nan_policy=self._nan_policy)
        # extreme magnitudes: work in exactly rescaled units (power_of_two_scale);
        # scores do not depend on the units, predictions are given back in them
        self._y_scale = power_of_two_scale(Y)
        self._last_row = Y[-1].copy()
        Y = Y / self._y_scale
        sd = Y.std(axis=0)
        self.constant_columns_ = [info.columns[j] for j in np.flatnonzero(sd == 0)]
        if self.constant_columns_:
            warnings.warn(
                f"y column(s) {self.constant_columns_} are constant in fit: there is "
                "no normal variation to learn, so any later change of them scores "
                "as anomalous.", ForecastingWarning, stacklevel=2)
        self._info = info
        self.columns_ = list(info.columns)
        self.n_features_in_ = Y.shape[1]
        self.freq_ = info.freq
        self.regular_ = bool(info.regular)
        self.n_interpolated_ = marks.n_filled
        t = marks.t
        self._fit_model(Y, t)
        # residual scale of the training series (sets the scale floor)
        stream = self._new_stream()
        pred, _ = self._predict_chunk(Y, t, stream)
        E = Y - pred
        ok = ~np.isnan(E).any(axis=1)
        if ok.sum() < self._min_periods + 1:
            raise ValueError(
                f"y has {len(Y)} observations, of which only {int(ok.sum())} get "
                f"a prediction; at least min_periods + 1 = {self._min_periods + 1} "
                "are needed to learn the residuals' scale. Pass a longer series or "
                "reduce the warm-up (estimator washout, window, min_periods).")
        q1, q3 = np.percentile(E[ok], [25, 75], axis=0)
        base = (q3 - q1) / _IQR_TO_SIGMA
        base = np.where(base > 0, base, np.abs(E[ok]).mean(axis=0))
        # a series predicted perfectly: a tiny share of its spread (or, for a
        # constant column, of its level), so any later deviation scores high
        spread = np.where(sd > 0, sd, np.maximum(np.abs(Y).max(axis=0), 1.0))
        base = np.where(base > 0, base, _MIN_RESIDUAL_SCALE * spread)
        self._residual_scale = base                     # in the rescaled units
        self.residual_scale_ = base * self._y_scale
        # training scores set the threshold; the stream then continues after y
        self._stream = self._fresh_stream()
        scores, _, _, live = self._score_chunk(Y, t, self._stream)
        self.training_scores_ = pd.Series(scores, index=y.index, name="score")
        live &= ~marks.imputed
        live = scores[live]
        if len(live) == 0:
            # whatever sets the threshold: a training series with no score
            # past the warm-up is shorter than the model needs
            raise ValueError(
                f"y has {len(Y)} observations and none is past the warm-up "
                "(the first score needs min_periods earlier scores of the "
                "residuals); pass a longer series or reduce min_periods.")
        if self._contamination is None:
            self.threshold_ = self._threshold
        else:
            self.threshold_ = float(np.quantile(live, 1.0 - self._contamination))
        self._flags(scores, marks.imputed, self._stream)
        return self

    def anomaly_score(self, y):
        """Causal anomaly scores of ``y`` (the detector's stream is not moved).

        The run starts afresh at ``y``'s first row: the score at ``t`` uses
        only ``y`` up to ``t``, so scores of ``y[:k]`` are the first ``k``
        scores of ``y``.

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            The fitted columns, with the same kind of index (and time zone);
            it may start anywhere, before or after the training series, and
            its timestamps may be irregular as in :meth:`fit`.

        Returns
        -------
        pandas.Series
            On ``y``'s index (its order, every row), named ``"score"``; 0
            during the warm-up.
        """
        return self.detect(y).scores

    def predict(self, y):
        """Boolean flags ``anomaly_score(y) > threshold_`` on ``y``'s index
        (thinned by ``cooldown``).

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            As for :meth:`anomaly_score`.

        Returns
        -------
        pandas.Series of bool
        """
        return self.detect(y).flags

    def detect(self, y):
        """Scores, flags, contributions and predictions of ``y`` in one result.

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            As for :meth:`anomaly_score`: scored afresh from its first row.

        Returns
        -------
        AnomalyResult
        """
        check_is_fitted(self, "threshold_")
        Y, _, marks = self._check_new(y, "y")
        return self._result(Y, marks, y.index, self._fresh_stream())

    def update(self, y_new):
        """Score new observations online, continuing after the last ones seen.

        The model is not refitted; the reservoir state, the last values and
        the rolling statistics carry over from :meth:`fit` (or the previous
        ``update``), so the scores equal those of one run over the whole
        series.

        Parameters
        ----------
        y_new : pandas.Series or pandas.DataFrame
            The rows that came after the last one seen (any number, one at a
            time too); the step from the last row seen to its first row is
            checked and marked like every other step (a gap, a duplicate, a
            small step back), and rows from further back are refused.

        Returns
        -------
        AnomalyResult
            Of the new rows only.
        """
        check_is_fitted(self, "threshold_")
        Y, info, marks = self._check_new(y_new, "y_new", continuing=True)
        res = self._result(Y, marks, y_new.index, self._stream)
        self._info = info
        self._last_row = Y[-1] * self._y_scale
        return res

    # -- helpers -------------------------------------------------------------
    def _check_new(self, y, name, continuing=False):
        """(rescaled values, stream info, marks) of ``y`` on the fitted
        columns (the same checks as ``fit``'s; ``continuing``: after the last
        row seen, interpolated across the junction)."""
        Y, info, marks = check_stream(y, name, nan_policy=self._nan_policy,
                                      fitted=self._info, continuing=continuing,
                                      previous=self._last_row if continuing else None)
        return Y / self._y_scale, info, marks

    def _fresh_stream(self):
        s = self._new_stream()
        k = self.n_features_in_
        s.update(E_hist=np.empty((0, k)), a_hist=np.empty(0), alarm_state=None)
        return s

    def _score_chunk(self, Y, t, stream):
        pred, scale = self._predict_chunk(Y, t, stream)
        E = Y - pred
        floor = self._scale_floor * self._residual_scale
        if scale is not None:
            R = E / np.maximum(scale, floor)
        else:
            R = _normalise(stream["E_hist"], E, self._window, self._min_periods,
                           floor)
            stream["E_hist"] = np.vstack([stream["E_hist"], E])[-self._window:]
        R[np.isnan(R).any(axis=1)] = np.nan
        a, shares = _combine(R)
        if self.score == "likelihood":
            s = _likelihood(stream["a_hist"], a, self._window, self._min_periods,
                            self._smoothing, _LIKELIHOOD_SD_FLOOR)
            stream["a_hist"] = np.concatenate([stream["a_hist"], a])[-self._window:]
        else:
            s = a
        live = ~np.isnan(s)
        s = np.clip(np.nan_to_num(s, nan=0.0, posinf=_MAX_SCORE), 0.0, _MAX_SCORE)
        return s, shares, pred, live

    def _result(self, Y, marks, index, stream):
        scores, shares, pred, _ = self._score_chunk(Y, marks.t, stream)
        s = pd.Series(scores, index=index, name="score")
        flags = self._flags(scores, marks.imputed, stream)

        def mark(values, name):
            return pd.Series(values, index=index, name=name)

        return AnomalyResult(
            scores=s, threshold=self.threshold_, flags=mark(flags, "anomaly"),
            contributions=pd.DataFrame(shares, index=index, columns=self.columns_),
            predictions=pd.DataFrame(pred * self._y_scale, index=index,
                                     columns=self.columns_),
            imputed=mark(marks.imputed, "imputed"),
            after_gap=mark(marks.after_gap, "after_gap"),
            duplicate=mark(marks.duplicate, "duplicate"),
            step_back=mark(marks.step_back, "step_back"),
            cooldown=self._cooldown, rearm=self._rearm)

    def _flags(self, scores, imputed, stream):
        """The alarm rule on ``scores`` (never on imputed rows), its state
        carried in ``stream``."""
        flags, stream["alarm_state"] = _alarms(
            scores, ~imputed, self.threshold_, self._cooldown, self._rearm,
            stream["alarm_state"])
        return flags

    def _validate_params(self):
        pass


def default_anomaly_estimator():
    """The ESN an :class:`AnomalyDetector` uses when given ``estimator=None``.

    :func:`forecasting.default_estimator` (200 leaky units, 50 washout
    steps, ``random_state=0``) with a stronger ridge, ``alpha=10`` on
    standardised data: a smoother one-step model that learns the normal
    dynamics rather than echoing the last value (measured on NAB in
    ``benchmarks/anomaly_results.md``: alpha 1e-3 / 0.1 / 1 / 10).
    """
    from .forecaster import default_estimator
    return default_estimator().set_params(alpha=10.0)


class AnomalyDetector(_BaseDetector):
    """Anomaly scores from a reservoir model's one-step-ahead residuals.

    The series is standardised with the training mean and standard deviation
    and fed, with Fourier terms of its seasons, to the estimator, which
    learns to predict the next step. Its one-step residuals become scores
    through the causal pipeline of :mod:`forecasting.anomaly`: rolling robust
    normalisation, combination over columns, Numenta-style likelihood.

    Parameters
    ----------
    estimator : estimator with ``fit(X, y)`` / ``predict(X)`` on sequences, default=None
        ``None`` uses :func:`default_anomaly_estimator` (an ESN). With an
        estimator whose ``predict`` takes ``initial_state`` and
        ``return_state`` (:class:`~reservoir.ESNRegressor`), :meth:`update`
        continues the state; otherwise it re-runs ``predict`` over every
        input seen.
    season_length : "auto", None, float or tuple of floats, default="auto"
        Seasons of the Fourier inputs in steps (each > 1), as in
        :class:`forecasting.Forecaster`: ``"auto"`` takes the seasons the
        index frequency suggests (a day and a week for hourly data), None
        uses no Fourier inputs.
    n_fourier : int, default=3
        Harmonics per season (>= 0).
    score : {"likelihood", "robust_z"}, default="likelihood"
        Final score (step 4 of the pipeline in :mod:`forecasting.anomaly`):
        the Gaussian surprise ``-log10 Q(z)`` of the recent normalised
        residuals (Numenta-style likelihood; 5 means a 1-in-100,000 event),
        or the normalised residual combined over columns itself.
    window : int, default=1000
        Steps of the causal window (>= 3) of the rolling residual median
        and scale, and of the likelihood's mean and standard deviation.
    min_periods : int, default=50
        Earlier residuals needed before a step is scored (>= 2 and at most
        ``window``); steps before that are the warm-up and score 0.
    smoothing : int, default=10
        Steps of the short mean of the combined residual that
        ``score="likelihood"`` compares with its longer history (>= 1; 1
        scores each step alone). Unused with ``score="robust_z"``.
    threshold : float, default=3.0
        Score above which a row raises an alarm. The score is a calibrated
        surprise, ``-log10`` of a tail probability: 3 is a 1-in-1,000 event
        of the recent residuals. Lower is more sensitive (2: more alarms,
        earlier), higher less (4 or 5: only large excursions).
    cooldown : int, default=200
        Rows after an alarm during which no new alarm is raised: one alarm
        per incident rather than one per row above the threshold. Longer is
        quieter; 0 flags every row above the threshold. Causal; it carries
        over from :meth:`fit` to :meth:`update` and between updates. Scores
        are not affected.
    rearm : bool, default=False
        With True, a new alarm also needs the score to have come back to
        ``threshold_`` or below since the last alarm (one alarm per
        excursion, however long it lasts).
    contamination : float in (0, 0.5] or None, default=None
        Instead of ``threshold``: the share of the training rows (past the
        warm-up) expected above the threshold, so ``threshold_`` is the
        ``1 - contamination`` quantile of the training scores (it then
        depends on the training series; ``threshold`` is ignored).
    scale_floor : float in (0, 1], default=0.1
        The rolling residual scale never drops below this share of the
        training residuals' scale ``residual_scale_``, so constant
        stretches score finitely.
    nan_policy : {"raise", "interpolate"}, default="raise"
        NaN in the series: an error naming its position, or filled by
        linear interpolation between its neighbours (NaN at the start or
        end of a series cannot be filled and stays an error). Infinity is
        always an error.
    Attributes
    ----------
    estimator_ : estimator
        The fitted one-step model (a clone of ``estimator``).
    seasons_ : tuple of float
        The resolved seasons of the Fourier inputs.
    threshold_ : float
        Score above which a step is flagged (``threshold``, or the
        ``1 - contamination`` quantile of ``training_scores_``).
    residual_scale_ : ndarray of shape (n_columns,)
        Robust scale (interquartile range / 1.349) of the training
        residuals, in the series' units.
    training_scores_ : pandas.Series
        Scores of the training series, on its index.
    columns_ : list
        Column names of the training series (``[name]`` for a Series).
    n_features_in_ : int
        Number of columns.
    freq_ : pandas.DateOffset or int
        Step of the training index (an integer step for a RangeIndex).
    n_interpolated_ : int
        Values filled by ``nan_policy="interpolate"`` in ``fit``.

    See Also
    --------
    SeasonalNaiveDetector : the same scores from the value one season ago.
    RollingZScoreDetector : rolling z-scores of the values themselves.
    forecasting.detection_metrics : NAB score, event-wise F1, point-wise AUCs.

    Notes
    -----
    ``score="likelihood"`` was chosen over ``"robust_z"`` by the NAB
    measurement in ``benchmarks/anomaly_results.md``. A constant column in
    ``fit`` is an error; constant stretches later score finitely (the scale
    floor). The first ``washout + min_periods`` steps of a run score 0.
    Scores are causal: the score at ``t`` uses the series up to ``t`` only,
    so :meth:`update` chunk by chunk gives the scores of one run over the
    whole series.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting import AnomalyDetector
    >>> t = np.arange(1500)
    >>> y = pd.Series(np.sin(2 * np.pi * t / 24),
    ...               pd.date_range("2024", periods=1500, freq="h"))
    >>> det = AnomalyDetector().fit(y[:1000])
    >>> y2 = y.copy(); y2.iloc[1200] += 3
    >>> bool(det.anomaly_score(y2).idxmax() == y2.index[1200])
    True
    """

    def __init__(self, estimator=None, *, season_length="auto", n_fourier=3,
                 score="likelihood", window=1000, min_periods=50, smoothing=10,
                 threshold=DEFAULT_THRESHOLD, cooldown=DEFAULT_COOLDOWN,
                 rearm=DEFAULT_REARM, contamination=None, scale_floor=0.1,
                 nan_policy="raise"):
        self.estimator = estimator
        self.season_length = season_length
        self.n_fourier = n_fourier
        self.score = score
        self.window = window
        self.min_periods = min_periods
        self.smoothing = smoothing
        self.contamination = contamination
        self.threshold = threshold
        self.scale_floor = scale_floor
        self.cooldown = cooldown
        self.rearm = rearm
        self.nan_policy = nan_policy

    def _validate_params(self):
        est = self.estimator
        if est is not None and not (hasattr(est, "fit") and hasattr(est, "predict")):
            raise TypeError(f"estimator={est!r} must have fit(X, y) and predict(X) "
                            "on sequences (e.g. reservoir.ESNRegressor).")
        self._n_fourier = check_param(self.n_fourier, "n_fourier", kind=Integral,
                                      low=0, hint="Harmonics per season.")
        resolve_seasons(self.season_length, None)       # its type, before the data

    def _fit_model(self, Y, t):
        self.seasons_ = resolve_seasons(self.season_length, self._info)
        self._mean = Y.mean(axis=0)
        sd = Y.std(axis=0)
        self._std = np.where(sd > 0, sd, 1.0)       # a constant column: centred only
        est = (default_anomaly_estimator() if self.estimator is None
               else self.estimator)
        self.estimator_ = clone(est)
        w = getattr(self.estimator_, "washout", 0)
        self._washout = int(w) if isinstance(w, Integral) else 0
        if len(Y) - 1 <= self._washout + 1:
            raise ValueError(
                f"y has {len(Y)} observations, too short for the estimator's "
                f"washout={self._washout}: at least {self._washout + 3} are needed "
                "(more for useful scores). Pass a longer series or reduce washout.")
        U = self._inputs(Y, t)
        Z = (Y - self._mean) / self._std
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self.estimator_.fit(U[:-1], Z[1:])
        params = inspect.signature(self.estimator_.predict).parameters
        self._stateful = "initial_state" in params and "return_state" in params

    def _inputs(self, Y, t):
        Z = (Y - self._mean) / self._std
        F = tf.fourier_features(t + 1.0, self.seasons_, self._n_fourier)
        return np.ascontiguousarray(np.hstack([Z, F]))

    def _new_stream(self):
        return {"state": None, "pending": None, "n_seen": 0, "U": None}

    def _predict_chunk(self, Y, t, stream):
        n, k = Y.shape
        U = self._inputs(Y, t)
        est = self.estimator_
        if self._stateful:
            P, stream["state"] = est.predict(U, initial_state=stream["state"],
                                             return_state=True)
            P = np.asarray(P, dtype=np.float64).reshape(n, k)
        else:
            hist = U if stream["U"] is None else np.vstack([stream["U"], U])
            stream["U"] = hist
            P = np.asarray(est.predict(hist), dtype=np.float64).reshape(len(hist), k)[-n:]
        P = P * self._std + self._mean
        pred = np.full((n, k), np.nan)
        if stream["pending"] is not None:
            pred[0] = stream["pending"]
        pred[1:] = P[:-1]
        stream["pending"] = P[-1]
        # steps whose state is still in the washout transient get no prediction
        first_ok = self._washout + 1 - stream["n_seen"]
        if first_ok > 0:
            pred[:min(first_ok, n)] = np.nan
        stream["n_seen"] += n
        return pred, None


class SeasonalNaiveDetector(_BaseDetector):
    """Baseline detector: residuals of the seasonal-naive prediction ``y(t - m)``.

    The prediction of each step is the value one season earlier; its
    residuals go through the same causal pipeline as those of
    :class:`AnomalyDetector` (rolling robust normalisation, combination over
    columns, likelihood), so the two score on the same scale.

    Parameters
    ----------
    season_length : int or "auto", default="auto"
        The period ``m`` in steps (a positive integer); ``"auto"``: the
        first season the frequency suggests (a day for sub-daily data) that
        leaves ``min_periods`` residuals in the training series, else 1
        (the naive prediction ``y(t - 1)``).
    score : {"likelihood", "robust_z"}, default="likelihood"
        Final score (step 4 of the pipeline in :mod:`forecasting.anomaly`):
        the Gaussian surprise ``-log10 Q(z)`` of the recent normalised
        residuals (Numenta-style likelihood; 5 means a 1-in-100,000 event),
        or the normalised residual combined over columns itself.
    window : int, default=1000
        Steps of the causal window (>= 3) of the rolling residual median
        and scale, and of the likelihood's mean and standard deviation.
    min_periods : int, default=50
        Earlier residuals needed before a step is scored (>= 2 and at most
        ``window``); steps before that are the warm-up and score 0.
    smoothing : int, default=10
        Steps of the short mean of the combined residual that
        ``score="likelihood"`` compares with its longer history (>= 1; 1
        scores each step alone). Unused with ``score="robust_z"``.
    threshold : float, default=3.0
        Score above which a row raises an alarm. The score is a calibrated
        surprise, ``-log10`` of a tail probability: 3 is a 1-in-1,000 event
        of the recent residuals. Lower is more sensitive (2: more alarms,
        earlier), higher less (4 or 5: only large excursions).
    cooldown : int, default=200
        Rows after an alarm during which no new alarm is raised: one alarm
        per incident rather than one per row above the threshold. Longer is
        quieter; 0 flags every row above the threshold. Causal; it carries
        over from :meth:`fit` to :meth:`update` and between updates. Scores
        are not affected.
    rearm : bool, default=False
        With True, a new alarm also needs the score to have come back to
        ``threshold_`` or below since the last alarm (one alarm per
        excursion, however long it lasts).
    contamination : float in (0, 0.5] or None, default=None
        Instead of ``threshold``: the share of the training rows (past the
        warm-up) expected above the threshold, so ``threshold_`` is the
        ``1 - contamination`` quantile of the training scores (it then
        depends on the training series; ``threshold`` is ignored).
    scale_floor : float in (0, 1], default=0.1
        The rolling residual scale never drops below this share of the
        training residuals' scale ``residual_scale_``, so constant
        stretches score finitely.
    nan_policy : {"raise", "interpolate"}, default="raise"
        NaN in the series: an error naming its position, or filled by
        linear interpolation between its neighbours (NaN at the start or
        end of a series cannot be filled and stays an error). Infinity is
        always an error.
    Attributes
    ----------
    season_length_ : int
        The period ``m`` used.
    threshold_ : float
        Score above which a step is flagged (``threshold``, or the
        ``1 - contamination`` quantile of ``training_scores_``).
    residual_scale_ : ndarray of shape (n_columns,)
        Robust scale (interquartile range / 1.349) of the training
        residuals, in the series' units.
    training_scores_ : pandas.Series
        Scores of the training series, on its index.
    columns_ : list
        Column names of the training series (``[name]`` for a Series).
    n_features_in_ : int
        Number of columns.
    freq_ : pandas.DateOffset or int
        Step of the training index (an integer step for a RangeIndex).
    n_interpolated_ : int
        Values filled by ``nan_policy="interpolate"`` in ``fit``.

    See Also
    --------
    AnomalyDetector : residuals of a reservoir model instead.
    RollingZScoreDetector : rolling z-scores of the values.

    Notes
    -----
    The first ``m`` steps of a run have no prediction and, with the next
    ``min_periods``, score 0. A single outlier shows twice: at its own step
    and one season later, when it becomes the prediction.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting import SeasonalNaiveDetector
    >>> t = np.arange(24 * 60)
    >>> noise = 0.1 * np.random.RandomState(0).randn(t.size)
    >>> y = pd.Series(np.sin(2 * np.pi * t / 24) + noise,
    ...               pd.date_range("2024-01-01", periods=t.size, freq="h"))
    >>> det = SeasonalNaiveDetector(score="robust_z").fit(y[:1000])
    >>> det.season_length_
    24
    >>> y2 = y.copy(); y2.iloc[1200] += 3
    >>> top = det.anomaly_score(y2).nlargest(2).index
    >>> sorted(y2.index.get_indexer(top).tolist())   # the spike, a day later
    [1200, 1224]
    """

    def __init__(self, season_length="auto", *, score="likelihood", window=1000,
                 min_periods=50, smoothing=10, threshold=DEFAULT_THRESHOLD,
                 cooldown=DEFAULT_COOLDOWN, rearm=DEFAULT_REARM, contamination=None,
                 scale_floor=0.1, nan_policy="raise"):
        self.season_length = season_length
        self.score = score
        self.window = window
        self.min_periods = min_periods
        self.smoothing = smoothing
        self.contamination = contamination
        self.threshold = threshold
        self.scale_floor = scale_floor
        self.cooldown = cooldown
        self.rearm = rearm
        self.nan_policy = nan_policy

    def _validate_params(self):
        m = self.season_length
        if isinstance(m, str):
            if m != "auto":
                raise ValueError(f"season_length={m!r} must be 'auto' or a positive "
                                 "integer.")
        else:
            check_param(m, "season_length", kind=Integral, low=1,
                        hint="Pass the steps per season, or 'auto'.")

    def _fit_model(self, Y, t):
        m = self.season_length
        if isinstance(m, str):            # "auto" (checked in _validate_params)
            fits = [s for s in resolve_seasons("auto", self._info)
                    if round(s) + self._min_periods < len(Y)]
            m = int(round(fits[0])) if fits else 1
        else:
            m = int(m)
        if len(Y) <= m:
            raise ValueError(f"y has {len(Y)} observations; season_length={m} "
                             "needs more than one season.")
        self.season_length_ = int(m)

    def _new_stream(self):
        return {"last": np.empty((0, self.n_features_in_))}

    def _predict_chunk(self, Y, t, stream):
        m = self.season_length_
        both = np.vstack([stream["last"], Y])
        h = len(stream["last"])
        pred = np.full(Y.shape, np.nan)
        idx = np.arange(h, h + len(Y)) - m
        ok = idx >= 0
        pred[ok] = both[idx[ok]]
        stream["last"] = both[-m:]
        return pred, None


class RollingZScoreDetector(_BaseDetector):
    """Baseline detector: rolling z-scores of the values themselves.

    Each step scores ``(y(t) - mean) / std`` with the mean and standard
    deviation of the previous ``window`` steps. The z-score replaces step 2 of the pipeline of :mod:`forecasting.anomaly`
    (no residual normalisation); the combination over columns and the final
    score are shared with :class:`AnomalyDetector`.

    Parameters
    ----------
    score : {"likelihood", "robust_z"}, default="likelihood"
        Final score (step 4 of the pipeline in :mod:`forecasting.anomaly`):
        the Gaussian surprise ``-log10 Q(z)`` of the recent normalised
        residuals (Numenta-style likelihood; 5 means a 1-in-100,000 event),
        or the normalised residual combined over columns itself.
    window : int, default=1000
        Steps of the causal window (>= 3) of the rolling mean and standard
        deviation of the values, and of the likelihood's statistics.
    min_periods : int, default=50
        Earlier values needed before a step is scored (>= 2 and at most
        ``window``); steps before that are the warm-up and score 0.
    smoothing : int, default=10
        Steps of the short mean of the combined residual that
        ``score="likelihood"`` compares with its longer history (>= 1; 1
        scores each step alone). Unused with ``score="robust_z"``.
    threshold : float, default=3.0
        Score above which a row raises an alarm. The score is a calibrated
        surprise, ``-log10`` of a tail probability: 3 is a 1-in-1,000 event
        of the recent residuals. Lower is more sensitive (2: more alarms,
        earlier), higher less (4 or 5: only large excursions).
    cooldown : int, default=200
        Rows after an alarm during which no new alarm is raised: one alarm
        per incident rather than one per row above the threshold. Longer is
        quieter; 0 flags every row above the threshold. Causal; it carries
        over from :meth:`fit` to :meth:`update` and between updates. Scores
        are not affected.
    rearm : bool, default=False
        With True, a new alarm also needs the score to have come back to
        ``threshold_`` or below since the last alarm (one alarm per
        excursion, however long it lasts).
    contamination : float in (0, 0.5] or None, default=None
        Instead of ``threshold``: the share of the training rows (past the
        warm-up) expected above the threshold, so ``threshold_`` is the
        ``1 - contamination`` quantile of the training scores (it then
        depends on the training series; ``threshold`` is ignored).
    scale_floor : float in (0, 1], default=0.1
        The rolling standard deviation never drops below this share of
        ``residual_scale_`` (the robust scale of the training values'
        deviations from their rolling mean), so constant stretches score
        finitely.
    nan_policy : {"raise", "interpolate"}, default="raise"
        NaN in the series: an error naming its position, or filled by
        linear interpolation between its neighbours (NaN at the start or
        end of a series cannot be filled and stays an error). Infinity is
        always an error.
    Attributes
    ----------
    threshold_ : float
        Score above which a step is flagged (``threshold``, or the
        ``1 - contamination`` quantile of ``training_scores_``).
    residual_scale_ : ndarray of shape (n_columns,)
        Robust scale (interquartile range / 1.349) of the training
        residuals, in the series' units.
    training_scores_ : pandas.Series
        Scores of the training series, on its index.
    columns_ : list
        Column names of the training series (``[name]`` for a Series).
    n_features_in_ : int
        Number of columns.
    freq_ : pandas.DateOffset or int
        Step of the training index (an integer step for a RangeIndex).
    n_interpolated_ : int
        Values filled by ``nan_policy="interpolate"`` in ``fit``.

    See Also
    --------
    AnomalyDetector : residuals of a reservoir model instead.
    SeasonalNaiveDetector : residuals of the value one season ago.

    Notes
    -----
    The rolling mean is the prediction (``AnomalyResult.predictions``), so a
    seasonal series scores its own seasonality: prefer
    :class:`SeasonalNaiveDetector` or :class:`AnomalyDetector` there.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting import RollingZScoreDetector
    >>> y = pd.Series(np.random.RandomState(0).randn(600),
    ...               pd.date_range("2024-01-01", periods=600, freq="min"))
    >>> y2 = y.copy(); y2.iloc[500] += 8
    >>> det = RollingZScoreDetector(score="robust_z", window=100,
    ...                             min_periods=20).fit(y[:400])
    >>> res = det.update(y2[400:])         # the rows after the training ones
    >>> res.scores.idxmax() == y2.index[500]
    True
    >>> res.flags[res.flags].index.tolist() == [y2.index[500]]   # one alarm
    True
    """

    def __init__(self, *, score="likelihood", window=1000, min_periods=50,
                 smoothing=10, threshold=DEFAULT_THRESHOLD, cooldown=DEFAULT_COOLDOWN,
                 rearm=DEFAULT_REARM, contamination=None, scale_floor=0.1,
                 nan_policy="raise"):
        self.score = score
        self.window = window
        self.min_periods = min_periods
        self.smoothing = smoothing
        self.contamination = contamination
        self.threshold = threshold
        self.scale_floor = scale_floor
        self.cooldown = cooldown
        self.rearm = rearm
        self.nan_policy = nan_policy

    def _fit_model(self, Y, t):
        pass

    def _new_stream(self):
        return {"last": np.empty((0, self.n_features_in_))}

    def _predict_chunk(self, Y, t, stream):
        h = len(stream["last"])
        both = pd.DataFrame(np.vstack([stream["last"], Y]))
        roll = both.rolling(self._window, min_periods=self._min_periods)
        mean = roll.mean().shift(1).to_numpy()[h:]
        std = roll.std().shift(1).to_numpy()[h:]
        stream["last"] = both.to_numpy()[-self._window:]
        return mean, std

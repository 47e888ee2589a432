"""Anomaly detection metrics over labelled anomaly windows.

Three views of a detector, as the field reports them:

* :func:`nab_score` -- the Numenta Anomaly Benchmark score (Lavin & Ahmad
  2015, "Evaluating Real-time Anomaly Detection Algorithms -- the Numenta
  Anomaly Benchmark"; weights from NAB's ``config/profiles.json``),
  rewarding early detection inside a window and charging every false alarm;
* :func:`event_scores` -- event-wise precision, recall and F1: a labelled
  window is found when any flag falls in it, a predicted event (a run of
  consecutive flags) is correct when it overlaps a window;
* :func:`point_auc` -- point-wise ROC-AUC and PR-AUC (average precision) of
  the continuous scores against "inside a window" labels.

Point-adjusted F1 (every point of a window counted as found once one is) is
deliberately absent: it rewards random scores.

Windows are ``(start, end)`` pairs, both inclusive: labels of the flags'
index when the flags are a pandas Series, integer row positions otherwise.
With labels, a window covers the rows whose label lies inside it; when the
index has duplicated labels or an occasional step back (rows as a monitoring
system wrote them, scored in their order as NAB does), it is the span of rows
from the first to the last such row.
Every metric ignores the first ``probationary`` rows (a fraction of the
length, floored, or a number of rows): NAB's probationary period in which
a detector learns and is not scored.

The NAB score, as implemented here
----------------------------------
Let a scored window be one that ends at or after the probationary period,
``w = end - start + 1`` its width in rows and
``sigma(y) = 2 / (1 + exp(5 y)) - 1`` (``-1`` for ``y >= 3``).

* For each scored window with flags inside (after the probationary period),
  only the earliest flag ``i`` counts: it adds
  ``A_TP * sigma(y) / sigma(-1)`` with ``y = -(end - i + 1) / w``, so a flag
  on the window's first row earns exactly ``A_TP`` and one on its last row
  about 0.
* A scored window without a flag adds ``-A_FN``.
* Each flag outside every window adds ``A_FP * sigma(y)`` (negative), with
  ``y = (i - end_prev) / max(w_prev - 1, 1)`` relative to the closest
  preceding window; a flag with no window before it adds ``-A_FP``.
* Raw scores normalise to ``100 * (raw - null) / (perfect - null)``, where
  the null detector (no flags) scores ``-A_FN`` per scored window and the
  perfect detector (a flag on each window's first row) ``A_TP`` per window.
  A corpus is normalised from the sums of raw, null and perfect over its
  files (:func:`nab_normalise`), as NAB does.

This follows the current NAB scorer (``nab/sweeper.py``): windows' relative
positions use ``w`` rows and a true positive is divided by ``sigma(-1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = ["NAB_PROFILES", "NABScore", "nab_score", "nab_normalise",
           "EventScores", "event_scores", "point_auc", "window_labels",
           "scaled_sigmoid"]

#: Application profiles of NAB's ``config/profiles.json`` (A_TN is unused).
NAB_PROFILES = {
    "standard": {"tp": 1.0, "fp": 0.11, "fn": 1.0},
    "reward_low_FP_rate": {"tp": 1.0, "fp": 0.22, "fn": 1.0},
    "reward_low_FN_rate": {"tp": 1.0, "fp": 0.11, "fn": 2.0},
}


def scaled_sigmoid(y):
    """NAB's weighting ``2 / (1 + exp(5 y)) - 1``; ``-1`` for ``y >= 3``.

    Parameters
    ----------
    y : float
        Relative position of a detection: negative inside a window (``-1``
        at its start), positive after its end.

    Returns
    -------
    float
        In ``(-1, 1)``: about 0.987 at ``y = -1``, 0 at the window's end
        (``y = 0``), -1 from ``y = 3`` on.

    Examples
    --------
    >>> from forecasting.detection_metrics import scaled_sigmoid
    >>> scaled_sigmoid(0.0), scaled_sigmoid(3.0)
    (0.0, -1.0)
    """
    if isinstance(y, (bool, np.bool_)) or not isinstance(y, Real) or math.isnan(y):
        raise TypeError(f"y={y!r} must be a real number (not NaN).")
    if y >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


# -- inputs ----------------------------------------------------------------
def _one_d(values, name):
    index = values.index if isinstance(values, (pd.Series, pd.DataFrame)) else None
    try:
        a = np.asarray(values)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a 1-D array-like (one value per "
                         f"timestamp); numpy could not read it: "
                         f"{str(exc).splitlines()[0]}") from None
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per timestamp); got "
                         f"shape {a.shape}.")
    if len(a) == 0:
        raise ValueError(f"{name} is empty.")
    return a, index


def _flags_array(flags, name="flags"):
    """Boolean flags and the index they came with (None for arrays).

    Accepts bool arrays, and numbers or objects that are exactly 0/1 or
    True/False. Anything else -- the string "False", NaN, 0.5 -- is an error
    rather than a truthiness test (the string "False" is truthy)."""
    a, index = _one_d(flags, name)
    kind = a.dtype.kind
    if kind == "b":
        return a.astype(bool), index
    if kind in "iuf":
        bad = ~np.isin(a, (0, 1))
    elif kind == "O":
        bad = np.array([not (isinstance(v, (bool, np.bool_))
                             or (isinstance(v, (Integral, Real))
                                 and not isinstance(v, (str, bytes))
                                 and v in (0, 1)))
                        for v in a], dtype=bool)
    else:
        raise TypeError(f"{name} has dtype {a.dtype}; pass booleans (True/False "
                        "or 0/1), one per timestamp.")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        v = a[i].item() if isinstance(a[i], np.generic) else a[i]
        what = ("a missing value" if (v is None or v is pd.NA
                                      or (isinstance(v, float) and math.isnan(v)))
                else repr(v))
        raise (TypeError if isinstance(v, (str, bytes)) else ValueError)(
            f"{name} holds {what} at position {i}; flags must be booleans "
            "(True/False or 0/1). Decide what a missing or uncertain flag "
            "means before scoring (e.g. flags.fillna(False)).")
    return a.astype(bool), index


def _scores_array(scores, name="scores"):
    from .metrics import _as_real
    a, index = _one_d(scores, name)
    s = _as_real(name, a)
    if not np.isfinite(s).all():
        pos = int(np.flatnonzero(~np.isfinite(s))[0])
        raise ValueError(f"{name} contains {s[pos]} at position {pos}; scores "
                         "must be finite.")
    return s, index


def _probation(probationary, n):
    p = probationary
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, Real):
        raise TypeError(f"probationary={p!r} must be a fraction in [0, 1) or a "
                        "number of rows.")
    if isinstance(p, Integral):
        if p < 0:
            raise ValueError(f"probationary={p} must be >= 0 rows.")
        return min(int(p), n)
    if not 0 <= p < 1:
        raise ValueError(f"probationary={p!r} must be a fraction in [0, 1) or a "
                         "number of rows.")
    return int(math.floor(p * n))


def _is_missing(v):
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _window_positions(windows, index, n):
    """Sorted, non-overlapping (start, end) row positions, inclusive.

    A window that starts after it ends is an error, and so is one with no
    row of the series inside it (both used to be dropped without a word); a
    window that sticks out of the series is clipped to it."""
    if windows is None:
        windows = []
    if isinstance(windows, (str, bytes)) or not hasattr(windows, "__iter__"):
        raise TypeError(f"windows={windows!r} must be a list of (start, end) "
                        "pairs.")
    # an index with an occasional step back (rows as they came): a window is
    # the span from the first to the last row whose label lies inside it
    sorted_index = index is None or len(index) < 2 or index.is_monotonic_increasing
    out = []
    for k, w in enumerate(windows):
        if isinstance(w, (str, bytes)):
            raise TypeError(f"windows[{k}]={w!r} must be a (start, end) pair.")
        try:
            start, end = w
        except (TypeError, ValueError):
            raise TypeError(f"windows[{k}]={w!r} must be a (start, end) pair.") from None
        if _is_missing(start) or _is_missing(end):
            raise ValueError(f"windows[{k}]={w!r} has a missing bound; pass both "
                             "start and end.")
        if index is not None:
            try:
                if isinstance(index, pd.DatetimeIndex):
                    start, end = pd.Timestamp(start), pd.Timestamp(end)
                if start > end:
                    raise ValueError("reversed")
                if sorted_index:
                    a = int(index.searchsorted(start, side="left"))
                    b = int(index.searchsorted(end, side="right")) - 1
                else:
                    rows = np.flatnonzero(np.asarray((index >= start)
                                                     & (index <= end)))
                    a, b = (int(rows[0]), int(rows[-1])) if len(rows) else (1, 0)
            except (TypeError, ValueError) as exc:
                if str(exc) == "reversed":
                    raise ValueError(f"windows[{k}]={w!r} ends before it starts; "
                                     "pass (start, end) with start <= end.") from None
                raise TypeError(
                    f"windows[{k}]={w!r} cannot be compared with the flags' index "
                    f"({type(index).__name__}, dtype {index.dtype}): "
                    f"{str(exc).splitlines()[0]}. Pass labels of the index "
                    "(e.g. timestamps with the same time zone).") from None
            where = f"the index ({index[0]!r} to {index[-1]!r})"
        else:
            if not all(isinstance(v, (Integral, np.integer))
                       and not isinstance(v, (bool, np.bool_)) for v in (start, end)):
                raise TypeError(f"windows[{k}]={w!r}: with array flags, windows are "
                                "integer row positions; pass a pandas Series to "
                                "use index labels.")
            if start > end:
                raise ValueError(f"windows[{k}]={w!r} ends before it starts; pass "
                                 "(start, end) with start <= end.")
            a, b = max(int(start), 0), min(int(end), n - 1)
            where = f"rows 0 to {n - 1}"
        if a > b:
            raise ValueError(f"windows[{k}]={w!r} holds no row of the series "
                             f"({where}); drop windows outside the scored series.")
        out.append((a, b))
    out.sort()
    for (a0, b0), (a1, b1) in zip(out, out[1:]):
        if a1 <= b0:
            raise ValueError(f"windows overlap (rows {a0}-{b0} and {a1}-{b1}); "
                             "merge them first.")
    return out


def window_labels(n_or_index, windows):
    """Boolean array: True for rows inside any window.

    Parameters
    ----------
    n_or_index : int or pandas.Index
        Number of rows (windows are positions) or the index (windows are labels).
    windows : list of (start, end)
        Inclusive, non-overlapping windows, each with at least one row.

    Returns
    -------
    ndarray of bool of shape (n,)

    Examples
    --------
    >>> from forecasting.detection_metrics import window_labels
    >>> window_labels(6, [(1, 2), (4, 4)]).astype(int).tolist()
    [0, 1, 1, 0, 1, 0]
    """
    if isinstance(n_or_index, pd.Index):
        n, index = len(n_or_index), n_or_index
    elif isinstance(n_or_index, (bool, np.bool_)) or not isinstance(n_or_index, Integral):
        raise TypeError(f"n_or_index={n_or_index!r} must be a number of rows or "
                        "a pandas Index.")
    elif n_or_index < 1:
        raise ValueError(f"n_or_index={n_or_index!r} must be at least 1 row.")
    else:
        n, index = int(n_or_index), None
    lab = np.zeros(n, dtype=bool)
    for a, b in _window_positions(windows, index, n):
        lab[a:b + 1] = True
    return lab


# -- NAB -------------------------------------------------------------------
@dataclass
class NABScore:
    """The NAB score of one series (or, summed, a corpus).

    Attributes
    ----------
    score : float
        Normalised score ``100 * (raw - null) / (perfect - null)``: 0 is
        the null detector, 100 the perfect one (NaN without a scored window).
    raw, null, perfect : float
        Raw score of the flags, of no flags, and of a flag at each window start.
    profile : str
        The profile's name; ``"custom(tp=..., fp=..., fn=...)"`` for a dict.
    tp, fn : int
        Scored windows detected / missed.
    fp : int
        Flags outside every window (after the probationary period).
    """

    score: float
    raw: float
    null: float
    perfect: float
    profile: str
    tp: int
    fp: int
    fn: int


def _profile_weights(profile):
    if isinstance(profile, str):
        if profile not in NAB_PROFILES:
            raise ValueError(f"profile={profile!r} must be one of "
                             f"{list(NAB_PROFILES)} or a dict with keys 'tp', "
                             "'fp', 'fn'.")
        return profile, NAB_PROFILES[profile]
    if isinstance(profile, dict) and set(profile) in ({"tp", "fp", "fn"},
                                                     {"tp", "fp", "fn", "tn"}):
        weights = {}
        for k in ("tp", "fp", "fn"):
            v = profile[k]
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real) \
                    or not math.isfinite(v) or v < 0:
                raise ValueError(f"profile[{k!r}]={v!r} must be a finite weight "
                                 ">= 0.")
            weights[k] = float(v)
        # the weights are in the name, so nab_normalise can tell profiles apart
        name = "custom(" + ", ".join(f"{k}={weights[k]!r}" for k in weights) + ")"
        return name, weights
    raise ValueError(f"profile={profile!r} must be a name in {list(NAB_PROFILES)} "
                     "or a dict with keys 'tp', 'fp', 'fn' (and optionally NAB's "
                     "unused 'tn').")


def nab_score(flags, windows, *, profile="standard", probationary=0.15):
    """NAB score of boolean detections against labelled anomaly windows.

    Parameters
    ----------
    flags : array-like of bool of shape (n,) or pandas.Series
        Detections, one per row (a Series: windows are its index labels).
        Booleans, or numbers that are exactly 0 or 1; NaN, strings and other
        values are errors, not truthiness tests.
    windows : list of (start, end)
        Anomaly windows, inclusive, non-overlapping, each with ``start <=
        end`` and at least one row of the series (a window sticking out of
        the series is clipped to it).
    profile : {"standard", "reward_low_FP_rate", "reward_low_FN_rate"} or dict
        Weights ``A_TP, A_FP, A_FN`` (a dict with keys ``tp``, ``fp``, ``fn``):
        standard (1, 0.11, 1), reward_low_FP_rate (1, 0.22, 1),
        reward_low_FN_rate (1, 0.11, 2), as in NAB's ``config/profiles.json``.
    probationary : float or int, default=0.15
        Leading rows not scored: a fraction of the length (floored) or a count.

    Returns
    -------
    NABScore

    See Also
    --------
    nab_normalise : the corpus score from several files.

    Notes
    -----
    The scoring rules are in the module docstring.

    Examples
    --------
    >>> flags = [False] * 10
    >>> flags[4] = True
    >>> nab_score(flags, [(4, 6)], probationary=0).score
    100.0
    """
    name, weights = _profile_weights(profile)
    f, index = _flags_array(flags)
    n = len(f)
    P = _probation(probationary, n)
    wins = _window_positions(windows, index, n)
    f = f.copy()
    f[:P] = False
    max_tp = scaled_sigmoid(-1.0)
    raw, tp, fn, n_scored = 0.0, 0, 0, 0
    inside = np.zeros(n, dtype=bool)
    for s, e in wins:
        inside[s:e + 1] = True
        if e < P:
            continue
        n_scored += 1
        hits = np.flatnonzero(f[max(s, P):e + 1])
        if len(hits):
            i = max(s, P) + int(hits[0])
            width = e - s + 1
            raw += weights["tp"] * scaled_sigmoid(-(e - i + 1) / width) / max_tp
            tp += 1
        else:
            raw -= weights["fn"]
            fn += 1
    fp_rows = np.flatnonzero(f & ~inside)
    ends = np.array([e for _, e in wins])
    widths = np.array([e - s + 1 for s, e in wins])
    if len(fp_rows):
        if wins:     # the closest window ending before each false positive
            k = np.searchsorted(ends, fp_rows, side="left") - 1
            kk = np.maximum(k, 0)
            y = (fp_rows - ends[kk]) / np.maximum(widths[kk] - 1, 1)
            y = np.where(k >= 0, y, 3.0)      # no window before: -A_FP
        else:
            y = np.full(len(fp_rows), 3.0)
        sig = np.where(y >= 3.0, -1.0,
                       2.0 / (1.0 + np.exp(5.0 * np.minimum(y, 3.0))) - 1.0)
        raw += weights["fp"] * float(sig.sum())
    null = -weights["fn"] * n_scored
    perfect = weights["tp"] * n_scored
    return NABScore(score=_normalised(raw, null, perfect), raw=float(raw),
                    null=float(null), perfect=float(perfect), profile=name,
                    tp=tp, fp=len(fp_rows), fn=fn)


def _normalised(raw, null, perfect):
    if perfect == null:
        return float("nan")
    return float(100.0 * (raw - null) / (perfect - null))


def nab_normalise(results):
    """Corpus NAB score from per-file :class:`NABScore` results.

    NAB's rule: normalise the sums of the raw, null and perfect scores over
    the files, ``100 * (sum raw - sum null) / (sum perfect - sum null)``,
    rather than average the per-file scores.

    Parameters
    ----------
    results : iterable of NABScore
        The per-file results of :func:`nab_score`, all of one profile.

    Returns
    -------
    float
        The corpus score (NaN when no file has a scored window).

    Raises
    ------
    TypeError
        When an entry is not a :class:`NABScore`.
    ValueError
        When ``results`` is empty or mixes profiles (their weights differ,
        so their sums mean nothing together).

    Examples
    --------
    >>> from forecasting.detection_metrics import nab_normalise, nab_score
    >>> hit = nab_score([False, True, False, False], [(1, 2)], probationary=0)
    >>> miss = nab_score([False, False, False, False], [(1, 2)], probationary=0)
    >>> hit.score, miss.score, nab_normalise([hit, miss])
    (100.0, 0.0, 50.0)
    """
    if isinstance(results, NABScore):
        raise TypeError("results is one NABScore; pass a list of them "
                        "(nab_normalise([result])).")
    try:
        results = list(results)
    except TypeError:
        raise TypeError(f"results={results!r} must be an iterable of NABScore "
                        "objects (from nab_score).") from None
    if not results:
        raise ValueError("results is empty; pass NABScore objects of one profile.")
    for k, r in enumerate(results):
        if not isinstance(r, NABScore):
            raise TypeError(f"results[{k}]={r!r} is a {type(r).__name__}, not a "
                            "NABScore; pass the results of nab_score.")
    profiles = sorted({r.profile for r in results})
    if len(profiles) > 1:
        raise ValueError(f"results mix the profiles {profiles}; their weights "
                         "differ, so normalise each profile separately.")
    raw = sum(r.raw for r in results)
    null = sum(r.null for r in results)
    perfect = sum(r.perfect for r in results)
    return _normalised(raw, null, perfect)


# -- event-wise ------------------------------------------------------------
@dataclass
class EventScores:
    """Event-wise precision, recall and F1.

    Attributes
    ----------
    precision : float
        Share of predicted events (runs of consecutive flags) that overlap a
        labelled window (0 when nothing is flagged).
    recall : float
        Share of scored windows with at least one flag inside.
    f1 : float
        Harmonic mean of the two (0 when both are 0).
    n_events, n_true_events, n_windows, n_detected : int
    """

    precision: float
    recall: float
    f1: float
    n_events: int
    n_true_events: int
    n_windows: int
    n_detected: int


def event_scores(flags, windows, *, probationary=0.15):
    """Event-wise precision, recall and F1 over labelled windows.

    A window counts when it ends after the probationary period; it is
    detected when a flag after the probationary period falls inside it.
    Predicted events are maximal runs of consecutive flags after the
    probationary period; one is correct when any of its rows lies in a window.

    Parameters
    ----------
    flags : array-like of bool of shape (n,) or pandas.Series
        Detections, one per row, as for :func:`nab_score`.
    windows : list of (start, end)
        Anomaly windows, as for :func:`nab_score`.
    probationary : float or int, default=0.15
        Leading rows not scored: a fraction of the length (floored) or a count.

    Returns
    -------
    EventScores

    Examples
    --------
    >>> from forecasting.detection_metrics import event_scores
    >>> flags = [0, 1, 1, 0, 0, 0, 1, 0]      # two events, the first in a window
    >>> ev = event_scores(flags, [(1, 3)], probationary=0)
    >>> ev.precision, ev.recall, ev.n_events
    (0.5, 1.0, 2)
    """
    f, index = _flags_array(flags)
    f = f.copy()
    n = len(f)
    P = _probation(probationary, n)
    f[:P] = False
    wins = [(s, e) for s, e in _window_positions(windows, index, n) if e >= P]
    inside = np.zeros(n, dtype=bool)
    detected = 0
    for s, e in wins:
        inside[s:e + 1] = True
        detected += bool(f[max(s, P):e + 1].any())
    padded = np.concatenate([[False], f, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    cum = np.concatenate([[0], np.cumsum(inside)])
    true_events = int(np.sum(cum[stops] - cum[starts] > 0))
    n_events = len(starts)
    precision = true_events / n_events if n_events else 0.0
    recall = detected / len(wins) if wins else 0.0
    f1 = (2 * precision * recall / (precision + recall)) if precision + recall else 0.0
    return EventScores(precision=float(precision), recall=float(recall),
                       f1=float(f1), n_events=n_events, n_true_events=true_events,
                       n_windows=len(wins), n_detected=int(detected))


# -- point-wise ------------------------------------------------------------
def point_auc(scores, windows, *, probationary=0.15):
    """Point-wise ROC-AUC and PR-AUC (average precision) of continuous scores.

    Rows inside a window are positives; the probationary rows are dropped.

    Parameters
    ----------
    scores : array-like of shape (n,) or pandas.Series
        Finite real anomaly scores, one per row (higher = more anomalous).
    windows : list of (start, end)
        Anomaly windows, as for :func:`nab_score`.
    probationary : float or int, default=0.15
        Leading rows not scored: a fraction of the length (floored) or a count.

    Returns
    -------
    (roc_auc, pr_auc) : tuple of float
        NaN when the scored rows hold only one class.

    Examples
    --------
    >>> from forecasting.detection_metrics import point_auc
    >>> point_auc([0.1, 0.9, 0.8, 0.2], [(1, 2)], probationary=0)
    (1.0, 1.0)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score
    s, index = _scores_array(scores, "scores")
    n = len(s)
    P = _probation(probationary, n)
    labels = window_labels(index if index is not None else n, windows)[P:]
    s = s[P:]
    if labels.all() or not labels.any():
        return float("nan"), float("nan")
    return float(roc_auc_score(labels, s)), float(average_precision_score(labels, s))

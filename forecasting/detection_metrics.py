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
    """NAB's weighting ``2 / (1 + exp(5 y)) - 1``; ``-1`` for ``y >= 3``."""
    if y >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


# -- inputs ----------------------------------------------------------------
def _flags_array(flags, name="flags"):
    index = flags.index if isinstance(flags, (pd.Series, pd.DataFrame)) else None
    a = np.asarray(flags)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per timestamp); got "
                         f"shape {a.shape}.")
    if len(a) == 0:
        raise ValueError(f"{name} is empty.")
    return a, index


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


def _window_positions(windows, index, n):
    """Sorted, non-overlapping (start, end) row positions, inclusive."""
    if windows is None:
        windows = []
    out = []
    for k, w in enumerate(windows):
        try:
            start, end = w
        except (TypeError, ValueError):
            raise ValueError(f"windows[{k}]={w!r} must be a (start, end) pair.") from None
        if index is not None:
            if isinstance(index, pd.DatetimeIndex):
                start, end = pd.Timestamp(start), pd.Timestamp(end)
            a = int(index.searchsorted(start, side="left"))
            b = int(index.searchsorted(end, side="right")) - 1
        else:
            if not all(isinstance(v, (Integral, np.integer)) for v in (start, end)):
                raise TypeError(f"windows[{k}]={w!r}: with array flags, windows are "
                                "integer row positions; pass a pandas Series to "
                                "use index labels.")
            a, b = max(int(start), 0), min(int(end), n - 1)
        if a > b:
            continue                      # no row inside this window
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
    """
    if isinstance(n_or_index, pd.Index):
        n, index = len(n_or_index), n_or_index
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
    if isinstance(profile, dict) and {"tp", "fp", "fn"} <= set(profile):
        return "custom", {k: float(profile[k]) for k in ("tp", "fp", "fn")}
    raise ValueError(f"profile={profile!r} must be a name in {list(NAB_PROFILES)} "
                     "or a dict with keys 'tp', 'fp', 'fn'.")


def nab_score(flags, windows, *, profile="standard", probationary=0.15):
    """NAB score of boolean detections against labelled anomaly windows.

    Parameters
    ----------
    flags : array-like of bool of shape (n,) or pandas.Series
        Detections, one per row (a Series: windows are its index labels).
    windows : list of (start, end)
        Anomaly windows, inclusive, non-overlapping.
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
    a, index = _flags_array(flags)
    f = a.astype(bool)
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
    """Corpus NAB score from per-file :class:`NABScore` results (NAB's rule:
    normalise the sums of raw, null and perfect scores)."""
    results = list(results)
    if not results:
        raise ValueError("results is empty; pass NABScore objects of one profile.")
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

    Returns
    -------
    EventScores
    """
    a, index = _flags_array(flags)
    f = a.astype(bool).copy()
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

    Returns
    -------
    (roc_auc, pr_auc) : tuple of float
        NaN when the scored rows hold only one class.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score
    s, index = _flags_array(scores, "scores")
    s = s.astype(np.float64)
    if not np.isfinite(s).all():
        pos = int(np.flatnonzero(~np.isfinite(s))[0])
        raise ValueError(f"scores contains {s[pos]} at position {pos}; scores "
                         "must be finite.")
    n = len(s)
    P = _probation(probationary, n)
    labels = window_labels(index if index is not None else n, windows)[P:]
    s = s[P:]
    if labels.all() or not labels.any():
        return float("nan"), float("nan")
    return float(roc_auc_score(labels, s)), float(average_precision_score(labels, s))

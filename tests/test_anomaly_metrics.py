"""Detection metrics on hand-computed cases: NAB score, event-wise F1, AUCs."""

import math

import numpy as np
import pandas as pd
import pytest

from forecasting.detection_metrics import (NAB_PROFILES, event_scores,
                                           nab_normalise, nab_score, point_auc,
                                           scaled_sigmoid, window_labels)


def flags_at(n, *rows):
    f = np.zeros(n, dtype=bool)
    f[list(rows)] = True
    return f


def sig(y):
    return 2 / (1 + math.exp(5 * y)) - 1


def test_profiles_match_nab_config():
    assert NAB_PROFILES["standard"] == {"tp": 1.0, "fp": 0.11, "fn": 1.0}
    assert NAB_PROFILES["reward_low_FP_rate"]["fp"] == 0.22
    assert NAB_PROFILES["reward_low_FN_rate"] == {"tp": 1.0, "fp": 0.11, "fn": 2.0}


def test_scaled_sigmoid_values():
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(3.0) == -1.0 and scaled_sigmoid(10) == -1.0


def test_tp_at_window_start_is_perfect():
    r = nab_score(flags_at(100, 10), [(10, 19)], probationary=0)
    assert (r.raw, r.null, r.perfect, r.score) == (1.0, -1.0, 1.0, 100.0)
    assert (r.tp, r.fp, r.fn) == (1, 0, 0)


def test_late_tp_on_last_row():
    r = nab_score(flags_at(100, 19), [(10, 19)], probationary=0)
    raw = sig(-0.1) / sig(-1.0)            # y = -(19 - 19 + 1) / 10
    assert raw == pytest.approx(0.248242, abs=1e-6)
    assert r.raw == pytest.approx(raw)
    assert r.score == pytest.approx(100 * (raw + 1) / 2)


def test_only_earliest_detection_in_window_counts():
    both = nab_score(flags_at(100, 15, 17), [(10, 19)], probationary=0)
    first = nab_score(flags_at(100, 15), [(10, 19)], probationary=0)
    assert both.raw == first.raw and both.fp == 0


def test_fp_in_probationary_period_ignored():
    r = nab_score(flags_at(100, 5, 30), [(30, 39)], probationary=20)
    assert r.score == 100.0 and r.fp == 0
    # the fraction form floors 0.15 * 100 = 15 rows
    assert nab_score(flags_at(100, 14, 30), [(30, 39)]).score == 100.0


def test_fp_after_window_weighted_by_position():
    r = nab_score(flags_at(100, 10, 24), [(10, 19)], probationary=0)
    y = (24 - 19) / (10 - 1)
    assert sig(y) == pytest.approx(-0.882926, abs=1e-6)
    assert r.raw == pytest.approx(1 + 0.11 * sig(y))
    assert r.fp == 1
    # far behind the window (y >= 3): the full -A_FP
    far = nab_score(flags_at(100, 10, 60), [(10, 19)], probationary=0)
    assert far.raw == pytest.approx(1 - 0.11)


def test_fp_before_any_window_and_missed_window():
    r = nab_score(flags_at(100, 5), [(10, 19)], probationary=0)
    assert r.raw == pytest.approx(-1.11)
    assert r.score == pytest.approx(-5.5)
    assert (r.tp, r.fp, r.fn) == (0, 1, 1)


def test_null_and_perfect_detectors():
    wins = [(10, 19), (50, 69)]
    assert nab_score(np.zeros(100, bool), wins, probationary=0).score == 0.0
    assert nab_score(flags_at(100, 10, 50), wins, probationary=0).score == 100.0


def test_reward_low_fn_profile():
    wins = [(10, 19), (50, 69)]
    r = nab_score(flags_at(100, 10), wins, profile="reward_low_FN_rate",
                  probationary=0)
    assert (r.raw, r.null, r.perfect) == (-1.0, -4.0, 2.0)
    assert r.score == pytest.approx(50.0)
    lowfp = nab_score(flags_at(100, 10, 5), [(10, 19)], profile="reward_low_FP_rate",
                      probationary=0)
    assert lowfp.raw == pytest.approx(1 - 0.22)


def test_window_inside_probation_not_scored():
    r = nab_score(np.zeros(100, bool), [(2, 5), (50, 59)], probationary=20)
    assert r.null == -1.0 and r.perfect == 1.0


def test_corpus_normalisation_and_labels_on_index():
    idx = pd.date_range("2024", periods=100, freq="h")
    f = pd.Series(flags_at(100, 10), index=idx)
    r1 = nab_score(f, [(idx[10], idx[19])], probationary=0)
    r2 = nab_score(np.zeros(100, bool), [(10, 19)], probationary=0)
    assert r1.score == 100.0
    assert nab_normalise([r1, r2]) == pytest.approx(50.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="profile"):
        nab_score(np.zeros(10, bool), [], profile="strict")
    with pytest.raises(ValueError, match="overlap"):
        nab_score(np.zeros(50, bool), [(1, 10), (5, 20)])
    with pytest.raises(ValueError, match="probationary"):
        nab_score(np.zeros(10, bool), [], probationary=1.5)
    assert math.isnan(nab_score(np.zeros(10, bool), [], probationary=0).score)


def test_event_scores():
    f = flags_at(100, 12, 13, 14, 40, 41, 70)     # 3 events: one in a window
    ev = event_scores(f, [(10, 19), (60, 65)], probationary=0)
    assert (ev.n_events, ev.n_true_events, ev.n_windows, ev.n_detected) == (3, 1, 2, 1)
    assert ev.precision == pytest.approx(1 / 3) and ev.recall == 0.5
    assert ev.f1 == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    none = event_scores(np.zeros(100, bool), [(10, 19)], probationary=0)
    assert (none.precision, none.recall, none.f1) == (0.0, 0.0, 0.0)


def test_point_auc():
    lab = window_labels(100, [(10, 19)])
    assert lab.sum() == 10
    roc, pr = point_auc(lab.astype(float), [(10, 19)], probationary=0)
    assert roc == 1.0 and pr == 1.0
    roc, pr = point_auc(np.zeros(100), [(10, 19)], probationary=0)
    assert roc == 0.5
    with pytest.raises(ValueError, match="finite"):
        point_auc(np.full(100, np.nan), [(10, 19)])


# -- malformed input (issue: the fuzz campaign's defects #10 and #11) ----------
def test_nab_normalise_names_what_is_not_a_result():
    with pytest.raises(TypeError, match=r"results\[0\]=1 is a int, not a NABScore"):
        nab_normalise([1, 2])
    r = nab_score(flags_at(20, 3), [(3, 5)], probationary=0)
    with pytest.raises(TypeError, match="one NABScore; pass a list"):
        nab_normalise(r)
    with pytest.raises(TypeError, match="iterable of NABScore"):
        nab_normalise(3)
    with pytest.raises(ValueError, match="empty"):
        nab_normalise(iter([]))
    assert nab_normalise(iter([r])) == 100.0          # any iterable works


def test_nab_normalise_refuses_mixed_profiles():
    f = flags_at(50, 10)
    std = nab_score(f, [(10, 19)], probationary=0)
    low_fn = nab_score(f, [(10, 19)], profile="reward_low_FN_rate", probationary=0)
    with pytest.raises(ValueError, match="mix the profiles"):
        nab_normalise([std, low_fn])
    # two custom profiles with different weights are different profiles too
    c1 = nab_score(f, [(10, 19)], profile={"tp": 1, "fp": 0.5, "fn": 1}, probationary=0)
    c2 = nab_score(f, [(10, 19)], profile={"tp": 1, "fp": 0.3, "fn": 1}, probationary=0)
    assert c1.profile == "custom(tp=1.0, fp=0.5, fn=1.0)"
    with pytest.raises(ValueError, match="mix the profiles"):
        nab_normalise([c1, c2])
    assert nab_normalise([c1, c1]) == 100.0


@pytest.mark.parametrize("profile", [{"tp": 1, "fp": "0.1", "fn": 1},
                                     {"tp": 1, "fp": np.nan, "fn": 1},
                                     {"tp": 1, "fp": -0.1, "fn": 1},
                                     {"tp": 1, "fp": 0.1, "fn": 1, "oops": 2}])
def test_custom_profile_weights_are_checked(profile):
    with pytest.raises(ValueError, match="profile"):
        nab_score(flags_at(20, 3), [(3, 5)], profile=profile, probationary=0)


def test_reversed_window_is_an_error_not_dropped():
    for fn in (nab_score, event_scores):
        with pytest.raises(ValueError, match=r"windows\[1\]=\(60, 50\) ends before"):
            fn(flags_at(100, 55), [(10, 19), (60, 50)], probationary=0)
    with pytest.raises(ValueError, match="ends before"):
        window_labels(100, [(60, 50)])
    idx = pd.date_range("2024", periods=100, freq="h")
    with pytest.raises(ValueError, match="ends before"):
        nab_score(pd.Series(flags_at(100, 5), idx), [(idx[60], idx[50])])


def test_window_outside_the_series_is_an_error_and_partial_is_clipped():
    with pytest.raises(ValueError, match=r"windows\[0\]=\(200, 210\) holds no row"):
        nab_score(flags_at(100, 5), [(200, 210)], probationary=0)
    idx = pd.date_range("2024", periods=100, freq="h")
    with pytest.raises(ValueError, match="holds no row"):
        nab_score(pd.Series(flags_at(100, 5), idx),
                  [(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-02"))])
    # sticking out at the end: clipped to rows 95..99 (width 5)
    clipped = nab_score(flags_at(100, 99), [(95, 120)], probationary=0)
    exact = nab_score(flags_at(100, 99), [(95, 99)], probationary=0)
    assert clipped == exact


@pytest.mark.parametrize("windows,exc,match", [
    ([(1,)], TypeError, r"windows\[0\]=\(1,\) must be a \(start, end\) pair"),
    (["ab"], TypeError, "pair"),
    (5, TypeError, "list of"),
    ([(1.5, 3)], TypeError, "integer row positions"),
    ([(True, 3)], TypeError, "integer row positions"),
    ([(None, 3)], ValueError, "missing bound"),
])
def test_malformed_windows(windows, exc, match):
    with pytest.raises(exc, match=match):
        nab_score(flags_at(20, 3), windows, probationary=0)


def test_window_labels_that_cannot_meet_the_index():
    idx = pd.date_range("2024", periods=50, freq="h", tz="UTC")
    f = pd.Series(flags_at(50, 3), idx)
    with pytest.raises(TypeError, match=r"windows\[0\].*cannot be compared"):
        nab_score(f, [("2024-01-01 02:00", "2024-01-01 05:00")])   # naive vs UTC
    with pytest.raises(TypeError, match="cannot be compared"):
        nab_score(f, [("soon", "later")])


def test_windows_on_an_index_with_a_step_back_and_duplicates():
    # rows as they came (NAB scores them in file order): labels 0..9, then a
    # step back to 5 and 5, 6, 6, 7, ...; a window (6, 7) spans from the first
    # to the last row whose label lies inside it
    labels = list(range(10)) + [5, 6, 6, 7, 8, 9]
    lab = window_labels(pd.Index(labels), [(6, 7)])
    assert np.flatnonzero(lab).tolist() == list(range(6, 14))
    f = pd.Series(False, index=pd.Index(labels))
    f.iloc[11] = True                    # the first 6 after the step back
    f_arr = np.zeros(len(labels), dtype=bool)
    f_arr[11] = True
    assert nab_score(f, [(6, 7)], probationary=0) == nab_score(f_arr, [(6, 13)],
                                                                probationary=0)
    with pytest.raises(ValueError, match="holds no row"):
        nab_score(f, [(20, 30)], probationary=0)


def test_string_false_is_not_a_flag():
    flags = np.array(["False"] * 20)
    with pytest.raises(TypeError, match="dtype <U5"):
        nab_score(flags, [(3, 5)], probationary=0)
    obj = np.array([False] * 19 + ["False"], dtype=object)
    with pytest.raises(TypeError, match=r"flags holds 'False' at position 19"):
        event_scores(obj, [(3, 5)], probationary=0)


def test_nan_flags_are_an_error_not_true():
    f = np.zeros(20)
    f[7] = np.nan
    with pytest.raises(ValueError, match="flags holds a missing value at position 7"):
        nab_score(f, [(3, 5)], probationary=0)
    nullable = pd.Series([False] * 10 + [None] + [False] * 9, dtype="boolean")
    with pytest.raises(ValueError, match="missing value at position 10"):
        event_scores(nullable, [(3, 5)], probationary=0)
    with pytest.raises(ValueError, match=r"flags holds 0.5 at position 2"):
        nab_score([0, 0, 0.5, 1], [(1, 2)], probationary=0)


def test_zero_one_numbers_and_nullable_booleans_are_flags():
    as_int = nab_score(flags_at(50, 12).astype(int), [(10, 19)], probationary=0)
    as_float = nab_score(flags_at(50, 12).astype(float), [(10, 19)], probationary=0)
    as_bool = nab_score(flags_at(50, 12), [(10, 19)], probationary=0)
    nullable = nab_score(pd.Series(flags_at(50, 12), dtype="boolean"), [(10, 19)],
                         probationary=0)
    assert as_int == as_float == as_bool == nullable


def test_scores_must_be_real_numbers():
    with pytest.raises(TypeError, match="scores holds complex"):
        point_auc(np.ones(20) + 1j, [(3, 5)], probationary=0)
    with pytest.raises(TypeError, match="scores holds strings"):
        point_auc(np.array(["0.5"] * 20), [(3, 5)], probationary=0)
    roc, pr = point_auc(np.array([0.1] * 3 + [0.9] * 3 + [0.1] * 4, dtype=object),
                        [(3, 5)], probationary=0)
    assert (roc, pr) == (1.0, 1.0)


def test_window_labels_and_sigmoid_arguments():
    with pytest.raises(TypeError, match="n_or_index='5'"):
        window_labels("5", [])
    with pytest.raises(ValueError, match="n_or_index=0"):
        window_labels(0, [])
    with pytest.raises(TypeError, match="y=nan"):
        scaled_sigmoid(float("nan"))

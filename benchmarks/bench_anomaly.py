"""Anomaly detection on NAB's realKnownCause series: the ESN detector against
the rolling z-score and seasonal-naive baselines.

Writes ``benchmarks/anomaly_results.md``. Data: ``../shared/data/nab/``
relative to the repository root (seven CSV files and
``combined_windows.json``); skipped cleanly when absent, never copied.

Protocol (the same for every detector and series):

* each file's rows are taken as consecutive steps (NAB's detectors see the
  rows as a stream; a few files have gaps, duplicated or out-of-order
  timestamps): the series gets a regular index at the file's median step,
  and the labelled windows are mapped to rows through the original
  timestamps, as NAB's scorer does;
* the first 15 % of rows is the probationary period: the detector is fitted
  on it and nothing in it is scored; then the whole file is scored causally
  from its first row (``anomaly_score``), with the model frozen;
* detections for the NAB score and event-wise F1 come from ONE global rule
  for all series and all detectors: ``threshold=3`` on the likelihood score
  (-log10 tail probability, a 1-in-1000 surprise) and ``cooldown=200`` steps
  between alarms. Both values (and the ESN's ridge ``alpha``) were chosen by
  sweeping on this same corpus, so the numbers are optimistic in the way
  NAB's own threshold optimiser is; a second table gives every detector its
  own best global threshold (same sweep), which favours the baselines;
* point-wise ROC-AUC and PR-AUC use the continuous scores (no threshold);
* the honest counterpart of the tuned rule is leave-one-series-out (LOSO,
  its own section below): each series is scored with the rule (threshold,
  cooldown) that each detector chooses on the other six series, reusing the
  same causal scores.

Usage::

    python benchmarks/bench_anomaly.py            # main tables and LOSO
    python benchmarks/bench_anomaly.py --compare  # also score="robust_z"
    python benchmarks/bench_anomaly.py --no-loso  # skip LOSO (and the alpha runs)

Runs on one core (``OPENBLAS_NUM_THREADS=1`` is set before numpy loads).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table  # noqa: E402
from forecasting import (AnomalyDetector, RollingZScoreDetector,  # noqa: E402
                         SeasonalNaiveDetector)
from forecasting.anomaly import default_anomaly_estimator  # noqa: E402
from forecasting.detection_metrics import (NAB_PROFILES,  # noqa: E402
                                           event_scores, nab_normalise,
                                           nab_score, point_auc)

NAB = ROOT.parent / "shared" / "data" / "nab"
OUT = Path(__file__).resolve().parent / "anomaly_results.md"
PROBATION = 0.15
THRESHOLD = 3.0
COOLDOWN = 200
SWEEP = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
COOLDOWNS = (0, 50, 200, 1000)   # the cooldown grid of the notes below
# the ESN's ridge grid of the notes below (alpha 10 is the library default)
ALPHAS = (("1e-3", {"alpha": 1e-3}), ("0.1, leak 1", {"alpha": 0.1, "leak_rate": 1.0}),
          ("1", {"alpha": 1.0}), ("10", {"alpha": 10.0}))
ESN = "ESN (AnomalyDetector)"
NOTES = """## How the defaults were chosen (measured on this corpus, cooldown 200)

- Score normalisation: `score="likelihood"` (Numenta-style surprise of the
  recent normalised residuals) against `score="robust_z"` (the rolling
  median/IQR-normalised residual itself). ESN, best global threshold: mean
  NAB standard 54.4 (likelihood) vs 25.0 (robust_z); event F1 0.497 vs
  0.319; point-wise ROC-AUC 0.540 vs 0.553 and PR-AUC 0.205 vs 0.172 (table
  above). The likelihood's short mean turns a burst of large residuals into
  one clear excursion, which is what NAB and event-wise F1 reward; point-wise
  AUCs barely separate the two. Default `score="likelihood"`.
- The ESN's ridge penalty on standardised data (mean NAB standard at the
  best global threshold; same sweep): alpha 1e-3 (the forecaster's
  default) 39.8, alpha 0.1 with leak_rate 1 38.4, alpha 1 52.8, alpha 10
  54.4. A heavily regularised one-step model learns the normal dynamics
  rather than echoing the last value, so departures leave larger residuals.
  `default_anomaly_estimator()` uses alpha 10.
- Alarm cooldown (the ESN, best threshold each): 0 steps 13.8 (barely
  positive: every flagged row of a long excursion costs A_FP), 50
  steps 54.9, 200 steps 54.4, 1000 steps 43.7. The benchmark uses 200; the
  library default stays 0 (flags = score above threshold).
- Tried and reverted (decided before measuring, evaluated once with this
  protocol): the likelihood against the mean and standard deviation of the
  *short means* over the window, as Numenta's likelihood defines its
  distribution, instead of those of the single scores. Under LOSO the ESN
  and the rolling z-score got worse -- the ESN 41.2 -> 30.3 NAB standard
  and event F1 0.420 -> 0.288, the rolling z-score 48.3 -> 22.2 /
  0.386 -> 0.298 -- and only the weakest detector, seasonal naive, gained
  (-9.2 -> 18.4 / 0.184 -> 0.330). The narrower distribution makes every
  excursion of the short mean look extreme, so the ESN's chosen thresholds
  rise to 5 and fewer of them separate events from noise. (The commit titled "Experiment:
  likelihood against the distribution of averaged scores" reproduces it.)
"""

DETECTORS = {
    "ESN (AnomalyDetector)": AnomalyDetector,
    "rolling z-score": RollingZScoreDetector,
    "seasonal naive": SeasonalNaiveDetector,
}


def load_corpus():
    """name -> (series on a regular index, windows as row positions)."""
    windows = json.loads((NAB / "combined_windows.json").read_text())
    out = {}
    for path in sorted((NAB / "realKnownCause").glob("*.csv")):
        df = pd.read_csv(path)
        ts = pd.to_datetime(df["timestamp"])
        step = ts.diff().median()
        y = pd.Series(df["value"].to_numpy(float), name="value",
                      index=pd.date_range(ts.iloc[0], periods=len(df), freq=step))
        wins = []
        for a, b in windows.get(f"realKnownCause/{path.name}", []):
            rows = np.flatnonzero(((ts >= pd.Timestamp(a)) & (ts <= pd.Timestamp(b)))
                                  .to_numpy())
            if len(rows):
                wins.append((int(rows[0]), int(rows[-1])))
        out[path.stem] = (y, wins)
    return out


def run(corpus, cls, **params):
    """name -> (scores ndarray, seconds)."""
    res = {}
    for name, (y, _) in corpus.items():
        P = int(math.floor(PROBATION * len(y)))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            det = cls(**params).fit(y.iloc[:P])
            scores = det.anomaly_score(y).to_numpy()
        res[name] = (scores, time.perf_counter() - t0)
    return res


def alarms(scores, threshold, cooldown):
    """The detectors' flag rule (score > threshold, cooldown between alarms)
    applied to stored scores, for the threshold sweep."""
    flags = np.zeros(len(scores), dtype=bool)
    last = None
    for i in np.flatnonzero(scores > threshold):
        if last is None or i - last > cooldown:
            flags[i] = True
            last = i
    return flags


def evaluate(corpus, scores, threshold, cooldown=COOLDOWN):
    """Per-series metrics and the corpus summary."""
    rows, nabs = {}, {p: [] for p in NAB_PROFILES}
    for name, (y, wins) in corpus.items():
        s = scores[name][0]
        P = int(math.floor(PROBATION * len(y)))
        flags = alarms(s, threshold, cooldown)
        r = {}
        for p in NAB_PROFILES:
            ns = nab_score(flags, wins, profile=p, probationary=P)
            nabs[p].append(ns)
            r[p] = ns.score
        ev = event_scores(flags, wins, probationary=P)
        r["event_f1"], r["event_p"], r["event_r"] = ev.f1, ev.precision, ev.recall
        r["roc_auc"], r["pr_auc"] = point_auc(s, wins, probationary=P)
        r["n_alarms"] = int(flags[P:].sum())
        rows[name] = r
    frame = pd.DataFrame(rows).T
    summary = frame.mean()
    for p in NAB_PROFILES:
        summary[f"{p}_corpus"] = nab_normalise(nabs[p])
    return frame, summary


def rule_grid(corpus, scores):
    """(threshold, cooldown) -> series -> metrics of that rule (no AUCs: they
    do not depend on the rule). Pure post-processing of the stored scores."""
    grid = {}
    for thr in SWEEP:
        for cd in COOLDOWNS:
            per = {}
            for name, (y, wins) in corpus.items():
                P = int(math.floor(PROBATION * len(y)))
                flags = alarms(scores[name][0], thr, cd)
                ev = event_scores(flags, wins, probationary=P)
                per[name] = {
                    "nab": {p: nab_score(flags, wins, profile=p, probationary=P)
                            for p in NAB_PROFILES},
                    "event_f1": ev.f1, "event_p": ev.precision,
                    "event_r": ev.recall, "n_alarms": int(flags[P:].sum())}
            grid[(thr, cd)] = per
    return grid


def loso(grids, names):
    """Leave-one-series-out rule selection.

    ``grids`` maps a variant (e.g. an alpha; one entry for a detector without
    a variant) to its :func:`rule_grid`. For each held-out series, the
    (variant, threshold, cooldown) with the highest mean NAB standard score
    over the OTHER series is chosen (first in grid order on ties) and the
    held-out series is scored with it. Returns series -> dict."""
    out = {}
    for held in names:
        others = [n for n in names if n != held]
        best = None
        for var, grid in grids.items():
            for rule, per in grid.items():
                m = float(np.mean([per[n]["nab"]["standard"].score for n in others]))
                if best is None or m > best[0]:
                    best = (m, var, rule)
        m, var, rule = best
        out[held] = {"train_standard": m, "variant": var, "rule": rule,
                     **grids[var][rule][held]}
    return out


def loso_summary(res):
    """Means over the held-out series, and NAB's corpus normalisation."""
    s = {p: float(np.mean([r["nab"][p].score for r in res.values()]))
         for p in NAB_PROFILES}
    s["standard_corpus"] = nab_normalise([r["nab"]["standard"] for r in res.values()])
    for k in ("event_p", "event_r", "event_f1"):
        s[k] = float(np.mean([r[k] for r in res.values()]))
    s["n_alarms"] = int(sum(r["n_alarms"] for r in res.values()))
    return s


def best_in_sample(grids, names):
    """The one rule (and variant) best on all series: the tuned counterpart."""
    best = None
    for var, grid in grids.items():
        for rule, per in grid.items():
            m = float(np.mean([per[n]["nab"]["standard"].score for n in names]))
            if best is None or m > best[0]:
                best = (m, var, rule)
    m, var, rule = best
    per = grids[var][rule]
    f1 = float(np.mean([per[n]["event_f1"] for n in names]))
    return m, f1, var, rule


def sign_flip_p(d):
    """Two-sided p-value of the exact paired sign-flip test of mean(d) = 0."""
    d = np.asarray(d, dtype=float)
    signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * len(d))).reshape(len(d), -1).T
    means = np.abs(signs @ d) / len(d)
    return float(np.mean(means >= abs(d.mean()) - 1e-12))


def paired_difference(res_a, res_b, names, label):
    """'label: NAB standard d = .. (p ..), event F1 d = .. (p ..)'."""
    parts = []
    for nm, get, nd in (("NAB standard", lambda r: r["nab"]["standard"].score, 1),
                        ("event F1", lambda r: r["event_f1"], 3)):
        d = [get(res_a[n]) - get(res_b[n]) for n in names]
        parts.append(f"{nm} {float(np.mean(d)):+.{nd}f} (p = {sign_flip_p(d):.2f})")
    return f"vs {label}: " + ", ".join(parts)


def rule_str(rule, var=None):
    thr, cd = rule
    return f"{thr:g} / {cd}" + (f" / a {var}" if var is not None else "")


def fmt(v, nd=1):
    return "nan" if v != v else f"{v:.{nd}f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare", action="store_true",
                    help="also measure score='robust_z' (the normalisation choice)")
    ap.add_argument("--no-loso", dest="loso", action="store_false",
                    help="skip the leave-one-series-out tables (and the ESN's "
                         "alpha-grid runs they use)")
    args = ap.parse_args(argv)
    if not (NAB / "combined_windows.json").exists():
        print(f"NAB data not found at {NAB}; skipping (nothing written).")
        return 0
    corpus = load_corpus()
    lines = ["# Anomaly detection on NAB realKnownCause", "",
             f"Generated by `python benchmarks/bench_anomaly.py"
             f"{' --compare' if args.compare else ''}"
             f"{'' if args.loso else ' --no-loso'}` (one core).", "",
             "Protocol (the same for every detector and series):", "",
             "- " + __doc__.split("Protocol (the same for every detector and series):")[1]
             .split("Usage::")[0].strip()[2:].replace("\n* ", "\n- ")
             .replace("\n  ", " "),
             "", "Series (rows, windows):", ""]
    for name, (y, wins) in corpus.items():
        lines.append(f"- {name}: {len(y)} rows at {pd.Timedelta(y.index.freq)}, "
                     f"{len(wins)} windows")
    variants = [("likelihood", {})]
    if args.compare:
        variants.append(("robust_z", {"score": "robust_z"}))
    results = {}
    for label, extra in variants:
        for dname, cls in DETECTORS.items():
            results[(label, dname)] = run(corpus, cls, **extra)
            print(f"scored {dname} ({label})", flush=True)

    # main table: the one global rule
    lines += ["", f"## Main result: one global rule (threshold {THRESHOLD:g} on the "
              f"likelihood score, cooldown {COOLDOWN} steps)", "",
              "Averages over the seven series (NAB columns: mean of per-series "
              "normalised scores; 'corpus' is NAB's rule, normalising the sums).", ""]
    head = ["detector", "NAB standard", "NAB low FP", "NAB low FN",
            "NAB standard (corpus)", "event P", "event R", "event F1", "ROC-AUC",
            "PR-AUC", "alarms", "time (s)"]
    rows, summaries, frames = [], {}, {}
    for dname in DETECTORS:
        sc = results[("likelihood", dname)]
        frame, summ = evaluate(corpus, sc, THRESHOLD)
        summaries[dname], frames[dname] = summ, frame
        rows.append([dname, fmt(summ["standard"]), fmt(summ["reward_low_FP_rate"]),
                     fmt(summ["reward_low_FN_rate"]), fmt(summ["standard_corpus"]),
                     fmt(summ["event_p"], 3), fmt(summ["event_r"], 3),
                     fmt(summ["event_f1"], 3), fmt(summ["roc_auc"], 3),
                     fmt(summ["pr_auc"], 3), int(frames[dname]["n_alarms"].sum()),
                     fmt(sum(v[1] for v in sc.values()), 1)])
    lines.append(table(head, rows))
    lines += ["", "NAB scoreboard context (standard profile, whole 58-file corpus, "
              "not this 7-file subset): Numenta HTM about 70, Twitter ADVec 47, "
              "Etsy Skyline 36, random 11.", "", "### Per series", ""]
    head = ["series", "detector", "NAB standard", "NAB low FP", "NAB low FN",
            "event F1", "ROC-AUC", "PR-AUC", "alarms"]
    rows = []
    for name in corpus:
        for dname in DETECTORS:
            r = frames[dname].loc[name]
            rows.append([name, dname, fmt(r["standard"]), fmt(r["reward_low_FP_rate"]),
                         fmt(r["reward_low_FN_rate"]), fmt(r["event_f1"], 3),
                         fmt(r["roc_auc"], 3), fmt(r["pr_auc"], 3), int(r["n_alarms"])])
    lines.append(table(head, rows))

    # each detector at its own best global threshold
    lines += ["", "## Each detector at its own best global threshold", "",
              f"Thresholds {', '.join(f'{t:g}' for t in SWEEP)} (cooldown "
              f"{COOLDOWN}); one value per detector for all series, picked on the "
              "mean NAB standard score, as NAB's optimiser does.", ""]
    head = ["score", "detector", "best threshold", "NAB standard", "NAB low FP",
            "NAB low FN", "event F1"]
    rows = []
    sweep_rows = []
    for (label, dname), sc in results.items():
        best = None
        for thr in SWEEP:
            _, summ = evaluate(corpus, sc, thr)
            sweep_rows.append([label, dname, f"{thr:g}", fmt(summ["standard"]),
                               fmt(summ["event_f1"], 3)])
            if best is None or summ["standard"] > best[1]["standard"]:
                best = (thr, summ)
        thr, summ = best
        rows.append([label, dname, f"{thr:g}", fmt(summ["standard"]),
                     fmt(summ["reward_low_FP_rate"]), fmt(summ["reward_low_FN_rate"]),
                     fmt(summ["event_f1"], 3)])
    lines.append(table(head, rows))
    lines += ["", "### The whole sweep (mean NAB standard, event F1)", "",
              table(["score", "detector", "threshold", "NAB standard", "event F1"],
                    sweep_rows)]
    if args.loso:
        lines += loso_section(corpus, results)
    if args.compare:
        lines += ["", "## Score normalisation: likelihood vs robust z", "",
                  "Threshold-free point-wise AUCs (means over series) and the best "
                  "global-threshold NAB score above. `robust_z` thresholds are on "
                  "its own scale, so its sweep is not comparable value by value; "
                  "its best NAB score is.", ""]
        rows = []
        for (label, dname), sc in results.items():
            _, summ = evaluate(corpus, sc, THRESHOLD)
            rows.append([label, dname, fmt(summ["roc_auc"], 3), fmt(summ["pr_auc"], 3)])
        lines.append(table(["score", "detector", "ROC-AUC", "PR-AUC"], rows))
    lines += ["", NOTES]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


def loso_section(corpus, results):
    """The leave-one-series-out tables (markdown lines)."""
    names = list(corpus)
    t0 = time.perf_counter()
    # the ESN's alpha grid: scored once per alpha (alpha 10 = the main run)
    esn_scores = {}
    for var, params in ALPHAS:
        if params == {"alpha": 10.0}:
            esn_scores[var] = results[("likelihood", ESN)]
        else:
            est = default_anomaly_estimator().set_params(**params)
            esn_scores[var] = run(corpus, AnomalyDetector, estimator=est)
            print(f"scored {ESN} (alpha {var})", flush=True)
    t_alpha = time.perf_counter() - t0
    t0 = time.perf_counter()
    grids = {var: rule_grid(corpus, sc) for var, sc in esn_scores.items()}
    for dname in DETECTORS:
        if dname != ESN:
            grids[dname] = rule_grid(corpus, results[("likelihood", dname)])
    # (label, detector, variant grids, show the variant)
    setups = [(f"{ESN}, alpha 10 fixed", ESN, {"10": grids["10"]}, False),
              ("rolling z-score", "rolling z-score",
               {"-": grids["rolling z-score"]}, False),
              ("seasonal naive", "seasonal naive", {"-": grids["seasonal naive"]}, False),
              (f"{ESN}, alpha LOSO-selected", ESN,
               {var: grids[var] for var, _ in ALPHAS}, True)]
    res = {label: loso(g, names) for label, _, g, _ in setups}
    summ = {label: loso_summary(r) for label, r in res.items()}
    insample = {label: best_in_sample(g, names) for label, _, g, _ in setups}
    t_post = time.perf_counter() - t0
    print(f"LOSO: alpha runs {t_alpha:.1f} s, rule grids and selection "
          f"{t_post:.1f} s", flush=True)

    lines = ["", "## Leave-one-series-out (LOSO): the rule chosen without the "
             "scored series", "",
             "For each of the seven series, each detector chooses its own "
             "global rule -- threshold from the sweep's grid "
             f"({', '.join(f'{t:g}' for t in SWEEP)}) and cooldown from "
             f"({', '.join(str(c) for c in COOLDOWNS)}) steps -- by the mean NAB "
             "standard score over the OTHER six series, and the held-out series "
             "is scored with it; the columns are means over the seven held-out "
             "scores ('corpus': NAB's normalisation of their sums). The causal "
             "scores are those of the tables above (computed once per detector "
             "and series; thresholding and cooldown are post-processing), so the "
             "rule choice never sees the held-out series' labels.", "",
             "The ESN's estimator is fixed as in the tables above: its ridge "
             "alpha = 10 was chosen by the sweep on all seven series (see the "
             "notes at the end), so the 'alpha 10 fixed' row still carries that "
             "one corpus-level choice. The 'alpha LOSO-selected' row removes it: "
             "alpha (from the notes' grid 1e-3, 0.1 with leak_rate 1, 1, 10; "
             f"{len(ALPHAS) - 1} extra ESN scoring runs, {t_alpha:.0f} s) is chosen "
             "jointly with the threshold and cooldown on the other six series. "
             "The other ESN settings (200 leaky units, washout 50, "
             "random_state 0, window 1000, smoothing 10) and the baselines' "
             "settings are the library defaults, not tuned here.", ""]
    head = ["detector", "NAB standard", "NAB low FP", "NAB low FN",
            "NAB standard (corpus)", "event P", "event R", "event F1", "alarms",
            "in-sample best: NAB standard / event F1 (rule)"]
    rows = []
    for label, _, _, show in setups:
        s = summ[label]
        m, f1, var, rule = insample[label]
        rows.append([label, fmt(s["standard"]), fmt(s["reward_low_FP_rate"]),
                     fmt(s["reward_low_FN_rate"]), fmt(s["standard_corpus"]),
                     fmt(s["event_p"], 3), fmt(s["event_r"], 3), fmt(s["event_f1"], 3),
                     s["n_alarms"],
                     f"{fmt(m)} / {fmt(f1, 3)} ({rule_str(rule, var if show else None)})"])
    lines += [table(head, rows), "",
              "Rules are threshold / cooldown (/ alpha). The last column is the "
              "optimistic counterpart: the one rule best on all seven series "
              "(threshold and cooldown both tuned, so it can exceed the "
              "cooldown-200 tables above).", ""]

    # the verdict, computed
    base = ("rolling z-score", "seasonal naive")
    for label in (f"{ESN}, alpha 10 fixed", f"{ESN}, alpha LOSO-selected"):
        s = summ[label]
        verdict = []
        for key, nm, nd in (("standard", "mean NAB standard", 1),
                            ("event_f1", "mean event-wise F1", 3)):
            beats = all(s[key] > summ[b][key] for b in base)
            verdict.append(
                f"{nm} {fmt(s[key], nd)} vs {fmt(summ[base[0]][key], nd)} (rolling "
                f"z-score) and {fmt(summ[base[1]][key], nd)} (seasonal naive): "
                + ("beats both" if beats else "does NOT beat both"))
        lines.append(f"- **{label}** under LOSO -- " + "; ".join(verdict) + ".")
    wins_std = {b: sum(res[f"{ESN}, alpha 10 fixed"][n]["nab"]["standard"].score
                       > res[b][n]["nab"]["standard"].score for n in names)
                for b in base}
    lines.append(f"- Per series (alpha 10 fixed), the ESN's held-out NAB standard "
                 f"score is higher on {wins_std[base[0]]} of 7 series than the "
                 f"rolling z-score's and on {wins_std[base[1]]} of 7 than the "
                 "seasonal naive's. Seven series are few: one series moves a mean "
                 "by up to ~100/7 = 14 points, so treat differences of a few "
                 "points as noise.")
    lines.append("- How far seven series resolve the comparison: paired held-out "
                 "differences (ESN, alpha 10 fixed, minus the baseline) over the "
                 "seven series, with the two-sided p-value of the exact sign-flip "
                 "test (all 2^7 sign patterns) -- " + "; ".join(
                     paired_difference(res[f"{ESN}, alpha 10 fixed"], res[b], names, b)
                     for b in base) + ".")

    lines += ["", "### The ESN under LOSO at each fixed alpha", "",
              "Threshold and cooldown LOSO-selected as above, alpha held fixed; "
              "'best at cooldown 200' is the in-sample number of the notes' "
              "alpha comparison, recomputed. For reference only: picking the "
              "alpha by its LOSO column would tune on the corpus again.", ""]
    rows = []
    for var, _ in ALPHAS:
        s = loso_summary(loso({var: grids[var]}, names))
        b200 = max(float(np.mean([grids[var][(t, COOLDOWN)][n]["nab"]["standard"].score
                                  for n in names])) for t in SWEEP)
        rows.append([var, fmt(b200), fmt(s["standard"]), fmt(s["standard_corpus"]),
                     fmt(s["event_f1"], 3)])
    lines.append(table(["alpha", "best at cooldown 200 (in-sample)",
                        "LOSO NAB standard", "LOSO NAB standard (corpus)",
                        "LOSO event F1"], rows))
    lines += variants_section(corpus, results, names)
    lines += ["", "### LOSO per held-out series", "",
              "'rule' is the one chosen on the other six series and 'on the "
              "other six' its mean NAB standard score there; the remaining "
              "columns score the held-out series with it.", ""]
    head = ["held-out series", "detector", "rule", "on the other six",
            "NAB standard", "NAB low FP", "NAB low FN", "event F1", "alarms"]
    rows = []
    for name in names:
        for label, _, _, show in setups:
            r = res[label][name]
            rows.append([name, label, rule_str(r["rule"], r["variant"] if show else None),
                         fmt(r["train_standard"]), fmt(r["nab"]["standard"].score),
                         fmt(r["nab"]["reward_low_FP_rate"].score),
                         fmt(r["nab"]["reward_low_FN_rate"].score),
                         fmt(r["event_f1"], 3), r["n_alarms"]])
    lines.append(table(head, rows))
    return lines


SMOOTHINGS = (10, 30, 100)   # the likelihood's short mean, variants below


def variants_section(corpus, results, names):
    """Score variants of the ESN meant to beat the rolling z-score under LOSO:
    a longer short mean of the likelihood, and the ESN's likelihood combined
    with the rolling z-score's (both are -log10 tail probabilities, so max
    and sum need no rescaling). Judged by LOSO, and -- to avoid picking a
    variant by its LOSO number -- also with the variant chosen inside the
    folds (jointly with threshold and cooldown, on the other six series)."""
    t0 = time.perf_counter()
    sc = {}
    for sm in SMOOTHINGS:
        if sm == 10:
            sc["esn", sm] = results[("likelihood", ESN)]
            sc["z", sm] = results[("likelihood", "rolling z-score")]
        else:
            sc["esn", sm] = run(corpus, AnomalyDetector, smoothing=sm)
            sc["z", sm] = run(corpus, RollingZScoreDetector, smoothing=sm)
    V = {}
    for sm in SMOOTHINGS:
        V[f"ESN, smoothing {sm}"] = sc["esn", sm]
    for sm in SMOOTHINGS:
        V[f"z-score, smoothing {sm}"] = sc["z", sm]
    for op, f in (("max", np.maximum), ("sum", np.add)):
        for sm in SMOOTHINGS:
            V[f"{op}(ESN, z-score), smoothing {sm}"] = {
                n: (f(sc["esn", sm][n][0], sc["z", sm][n][0]), 0.0) for n in names}
    G = {k: rule_grid(corpus, v) for k, v in V.items()}
    rows = []
    for k in V:
        res = loso({k: G[k]}, names)
        s = loso_summary(res)
        m, f1, _, rule = best_in_sample({k: G[k]}, names)
        chosen = sorted({r["rule"] for r in res.values()})
        rows.append([k, fmt(s["standard"]), fmt(s["standard_corpus"]),
                     fmt(s["event_f1"], 3), ", ".join(rule_str(r) for r in chosen),
                     f"{fmt(m)} / {fmt(f1, 3)} ({rule_str(rule)})"])
    fams = [
        ("ESN, smoothing LOSO-selected", [f"ESN, smoothing {sm}" for sm in SMOOTHINGS]),
        ("z-score, smoothing LOSO-selected",
         [f"z-score, smoothing {sm}" for sm in SMOOTHINGS]),
        ("max(ESN, z-score), smoothing LOSO-selected",
         [f"max(ESN, z-score), smoothing {sm}" for sm in SMOOTHINGS]),
        ("sum(ESN, z-score), smoothing LOSO-selected",
         [f"sum(ESN, z-score), smoothing {sm}" for sm in SMOOTHINGS]),
        ("any ESN-based variant above, LOSO-selected",
         [k for k in V if not k.startswith("z-score")]),
    ]
    frows = []
    for label, ks in fams:
        res = loso({k: G[k] for k in ks}, names)
        s = loso_summary(res)
        frows.append([label, fmt(s["standard"]), fmt(s["standard_corpus"]),
                      fmt(s["event_f1"], 3),
                      "; ".join(f"{r['variant']}: {rule_str(r['rule'])}"
                                for r in res.values())])
    print(f"variants: {time.perf_counter() - t0:.1f} s", flush=True)
    return ["", "### Score variants under LOSO (none adopted)", "",
            "Attempts to make the ESN beat the rolling z-score honestly. "
            f"Smoothing: the likelihood's short mean over {', '.join(map(str, SMOOTHINGS))} "
            "steps (library default 10). max / sum: the ESN's likelihood combined "
            "with the rolling z-score detector's at the same smoothing; both are "
            "-log10 tail probabilities, so they need no rescaling (the score of a "
            "would-be `score=\"combined\"`). Each row: threshold and cooldown "
            "LOSO-selected as above, the variant fixed; the 'rules chosen' are "
            "those of the seven folds. Reading a winner off this table would tune "
            "on the corpus again (12 variants were tried), so the second "
            "table chooses the variant inside the folds as well.", "",
            table(["variant", "LOSO NAB standard", "LOSO NAB standard (corpus)",
                   "LOSO event F1", "rules chosen", "in-sample best"], rows), "",
            "Variant chosen inside the folds (jointly with threshold and "
            "cooldown, on the other six series); the last column lists each "
            "fold's choice in series order:", "",
            table(["family", "LOSO NAB standard", "LOSO NAB standard (corpus)",
                   "LOSO event F1", "fold choices"], frows)]


if __name__ == "__main__":
    sys.exit(main())

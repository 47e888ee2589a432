"""Backtests of the default Forecaster against the naive baselines on real series.

Writes ``benchmarks/forecasting_results.md``:

* the main table: MASE (and MAE, sMAPE, NRMSE) of the default ``Forecaster``
  (recursive and direct strategies), ``NaiveForecaster`` and
  ``SeasonalNaiveForecaster`` per series, in a rolling-origin backtest;
* ``--compare``: the trend / seasonality handling grid that chose the
  defaults (MASE per series for every combination);
* the empirical coverage of ``predict_interval`` on held-out data.

Series: NAB's ``nyc_taxi`` (30-minute taxi passengers, read from
``../shared/data/nab/realKnownCause/nyc_taxi.csv`` relative to the repository
root; skipped when absent, never copied), and statsmodels' ``co2`` (Mauna Loa,
weekly, averaged to months; its 5 empty months interpolated) and ``elnino``
(monthly sea surface temperature 1950-2010); statsmodels belongs to the
notebooks extra, and its series are skipped without it.

Usage::

    python benchmarks/bench_forecasting.py            # main table + coverage
    python benchmarks/bench_forecasting.py --compare  # also the handling grid

Runs on one core (``OPENBLAS_NUM_THREADS=1`` is set before numpy loads).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
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
from forecasting import (Forecaster, NaiveForecaster,  # noqa: E402
                         SeasonalNaiveForecaster, backtest)

TAXI = ROOT.parent / "shared" / "data" / "nab" / "realKnownCause" / "nyc_taxi.csv"
OUT = Path(__file__).resolve().parent / "forecasting_results.md"


def load_series():
    """name -> (series, m, horizon, n_origins); missing sources are skipped."""
    out = {}
    if TAXI.exists():
        df = pd.read_csv(TAXI)
        y = pd.Series(df["value"].to_numpy(float),
                      index=pd.DatetimeIndex(pd.to_datetime(df["timestamp"]), freq="30min"),
                      name="passengers")
        out["nyc_taxi (30 min)"] = (y, 48, 48, 20)
    else:
        print(f"skipping nyc_taxi: {TAXI} not found", file=sys.stderr)
    try:
        import statsmodels.api as sm
    except ImportError:
        print("skipping co2 and elnino: statsmodels not installed", file=sys.stderr)
        return out
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean()
    co2 = co2.interpolate(limit_area="inside")
    out["co2 (monthly)"] = (co2.rename("co2"), 12, 12, 20)
    el = sm.datasets.elnino.load_pandas().data
    months = el.columns[1:]
    values = el[months].to_numpy(float).ravel()
    idx = pd.period_range(f"{int(el['YEAR'].iloc[0])}-01", periods=len(values), freq="M")
    out["elnino (monthly)"] = (pd.Series(values, idx, name="sst"), 12, 12, 20)
    return out


def run_backtest(forecaster, y, m, horizon, n_origins):
    initial = len(y) - horizon * n_origins
    t0 = time.perf_counter()
    res = backtest(forecaster, y, initial=initial, horizon=horizon, step=horizon,
                   refit=False, m=m, progress=False)
    return res, time.perf_counter() - t0


def main_table(series):
    rows = []
    for name, (y, m, horizon, n_origins) in series.items():
        models = {
            "Forecaster (recursive)": Forecaster(),
            "Forecaster (direct)": Forecaster(strategy="direct", max_horizon=horizon),
            "naive": NaiveForecaster(),
            f"seasonal naive (m={m})": SeasonalNaiveForecaster(m),
        }
        for label, model in models.items():
            res, secs = run_backtest(model, y, m, horizon, n_origins)
            s = res.summary
            rows.append([name, label, f"{s['MASE']:.3f}", f"{s['MAE']:.4g}",
                         f"{s['sMAPE']:.4f}", f"{s['NRMSE']:.3f}", f"{secs:.1f}"])
            print(" | ".join(rows[-1]), flush=True)
    header = ["series", "model", "MASE", "MAE", "sMAPE", "NRMSE", "time (s)"]
    return table(header, rows)


def compare_table(series):
    grid = [(s, t) for s in ("fourier", "difference", "none")
            for t in ("none", "difference", "linear")]
    rows = []
    for seasonality, trend in grid:
        row = [seasonality, trend]
        for strategy in ("recursive", "direct"):
            for name, (y, m, horizon, n_origins) in series.items():
                f = Forecaster(strategy=strategy, max_horizon=horizon,
                               seasonality=seasonality, trend=trend)
                res, _ = run_backtest(f, y, m, horizon, n_origins)
                row.append(f"{res.summary['MASE']:.3f}")
        rows.append(row)
        print(" | ".join(row), flush=True)
    names = list(series)
    header = (["seasonality", "trend"] + [f"{n} recursive" for n in names]
              + [f"{n} direct" for n in names])
    return table(header, rows)


def coverage_table(series, coverage=0.9):
    """Empirical coverage of predict_interval on the last n_origins horizons."""
    rows = []
    for name, (y, m, horizon, n_origins) in series.items():
        T = len(y)
        start = T - horizon * n_origins
        f = Forecaster().fit(y.iloc[:start])
        hits, widths = [], []
        for o in range(start, T - horizon + 1, horizon):
            if o > start:
                f.update(y.iloc[o - horizon:o])
            iv = f.predict_interval(horizon, coverage=coverage)
            actual = y.iloc[o:o + horizon].to_numpy()
            hits.append((actual >= iv["lower"].to_numpy()) & (actual <= iv["upper"].to_numpy()))
            widths.append((iv["upper"] - iv["lower"]).to_numpy())
        hits = np.concatenate(hits)
        rows.append([name, f"{coverage:.2f}", f"{hits.mean():.3f}", str(hits.size),
                     f"{np.mean(np.concatenate(widths)):.4g}"])
        print(" | ".join(rows[-1]), flush=True)
    return table(["series", "nominal", "empirical", "n", "mean width"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true",
                        help="also run the trend/seasonality grid")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    series = load_series()
    if not series:
        print("no series available", file=sys.stderr)
        return 1
    parts = ["# Forecasting backtests", "",
             "Generated by `python benchmarks/bench_forecasting.py"
             + (" --compare" if args.compare else "") + "` (one core).",
             "Rolling origin: the last 20 horizons of each series, one origin per "
             "horizon, the model fitted once on everything before the first origin "
             "and advanced with `update` (no refit). MASE is scaled by the "
             "in-sample seasonal-naive error (m = 48 for the taxi, 12 for "
             "monthly series), so the seasonal-naive row sits near 1 and below "
             "1 is better than it.", ""]
    for name, (y, m, h, n) in series.items():
        parts.append(f"- {name}: {len(y)} observations, horizon {h}, m = {m}")
    parts += ["", "## Default Forecaster vs baselines", "", main_table(series), "",
              "What the tables below showed when the defaults were chosen:",
              "",
              "- Seasonality: Fourier inputs (sin/cos of each season, 3 harmonics) "
              "beat seasonal differencing on every series and strategy; seasonal "
              "differencing was the worst handling for the taxi (MASE 1.37 vs 0.83). "
              "Default `seasonality=\"fourier\"`.",
              "- Trend: differencing is essential on co2 (MASE 7.1 without it, 0.42 "
              "with it: a tanh network cannot extrapolate a level it never saw) but "
              "costs accuracy on the stationary taxi series (1.34 vs 0.83, "
              "recursive). A linear detrend fails on co2's curved trend (5.2). "
              "Default `trend=\"auto\"`: difference only when five block means "
              "drift one way by more than the within-block spread (true for co2, "
              "false for taxi and elnino).",
              "- Recursive vs direct: direct wins where errors compound over a long "
              "horizon or the dynamics are noisy (taxi, 48 steps: 0.77 vs 0.83; "
              "elnino: 0.85 vs 0.93) and ties on smooth co2; recursive needs no "
              "`max_horizon`, forecasts any horizon and is the ESN's closed loop. "
              "Recursive stays the default; pass `strategy=\"direct\", "
              "max_horizon=H` when the horizon is known.",
              ""]
    parts += ["## Interval coverage (`predict_interval`, held-out horizons)", "",
              coverage_table(series), ""]
    if args.compare:
        parts += ["## Trend and seasonality handling (MASE, default ESN)", "",
                  compare_table(series), ""]
    Path(args.out).write_text("\n".join(parts) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

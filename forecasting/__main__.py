"""``python -m forecasting``: forecast a CSV column, or run the built-in demo.

Subcommands::

    python -m forecasting demo [--plot F.png | --no-plot]
    python -m forecasting forecast FILE.csv --time-column C --column C --horizon H
        [--model esn|lstm|gru|rnn|cwrnn] [--coverage 0.9] [--interpolate]
        [--out F.csv] [--plot F.png]
    python -m forecasting anomalies FILE.csv --time-column C --column C
        [--train 0.15] [--contamination 0.01 | --threshold T] [--cooldown N]
        [--interpolate] [--out F.csv] [--plot F.png]

Errors in the data (unreadable file, missing column, unparseable time, too
short a series, ...) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys

EXIT_USAGE = 2
MODELS = ("esn", "lstm", "gru", "rnn", "cwrnn")
_RNN_CLASSES = {"lstm": "LSTMRegressor", "gru": "GRURegressor",
                "rnn": "SimpleRNNRegressor", "cwrnn": "CWRNNRegressor"}


class CLIError(Exception):
    """An error reported as one line on stderr with exit status 2."""


def _fail(message):
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


# -- models ----------------------------------------------------------------
def make_forecaster(model, horizon):
    """The Forecaster the command line uses for ``--model``.

    ``esn`` is the default Forecaster (recursive, closed loop in one compiled
    call). Gradient-trained models use the direct strategy (one output per
    step ahead, one network run per forecast): their ``generate`` steps the
    network once per call, and a direct readout trained for every horizon
    avoids feeding their own errors back.
    """
    from forecasting import Forecaster
    if model == "esn":
        return Forecaster()
    import reservoir
    name = _RNN_CLASSES[model]
    cls = getattr(reservoir, name, None)
    if cls is None:
        raise CLIError(f"--model {model} needs reservoir.{name}, which this "
                       "installation does not have; use --model esn.")
    est = cls(hidden_size=32, max_iter=30, washout=20, bptt_window=200,
              random_state=0)
    return Forecaster(est, strategy="direct", max_horizon=horizon)


# -- data ------------------------------------------------------------------
def read_series(path, time_column, column):
    import pandas as pd
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise CLIError(f"file {path!r} not found.") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise CLIError(f"cannot read {path!r} as CSV: "
                       f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}.") from None
    for flag, col in (("--time-column", time_column), ("--column", column)):
        if col not in df.columns:
            raise CLIError(f"{flag} {col!r} is not a column of {path!r} "
                           f"(columns: {', '.join(map(str, df.columns))}).")
    raw = df[time_column]
    if raw.dtype.kind in "iu":
        index = pd.Index(raw.to_numpy(), name=time_column)
    else:
        try:
            index = pd.DatetimeIndex(pd.to_datetime(raw, errors="raise"),
                                     name=time_column)
        except (ValueError, TypeError, OverflowError) as exc:
            bad = None
            for i, v in enumerate(raw):
                try:
                    pd.to_datetime(v)
                except (ValueError, TypeError, OverflowError):
                    bad = (i, v)
                    break
            where = f" (row {bad[0]}: {bad[1]!r})" if bad else ""
            raise CLIError(f"cannot parse --time-column {time_column!r} as "
                           f"timestamps{where}: {str(exc).splitlines()[0]}") from None
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise CLIError(f"--column {column!r} has a non-numeric value at row {i}: "
                       f"{df[column].iloc[i]!r}.")
    return pd.Series(values.to_numpy(float), index=index, name=column)


def _write_csv(frame, path):
    """``frame`` to ``path`` (a CSV file) or, without one, to standard output."""
    if not path:
        frame.to_csv(sys.stdout)
        return
    try:
        frame.to_csv(path)
    except OSError as exc:
        raise CLIError(f"cannot write {path!r}: {exc.strerror}.") from None


def _save(fig, path):
    """Write a figure, turning an unwritable path into a one-line CLI error."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise CLIError(f"cannot write the plot to {path!r}: {exc.strerror}.") from None
    finally:
        plt.close(fig)


def _plot(path, history, forecast, interval=None, title=""):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("--plot needs matplotlib, which is not installed "
                       "(pip install matplotlib).") from None
    fig, ax = plt.subplots(figsize=(10, 4))
    tail = history.iloc[-max(5 * len(forecast), 200):]
    ax.plot(tail.index, tail.to_numpy(), color="0.3", lw=1, label="history")
    ax.plot(forecast.index, forecast.to_numpy(), color="C1", lw=1.5, label="forecast")
    if interval is not None:
        ax.fill_between(interval.index, interval["lower"], interval["upper"],
                        color="C1", alpha=0.25, label="interval")
    ax.set_title(title)
    ax.legend(loc="upper left")
    _save(fig, path)


# -- subcommands -----------------------------------------------------------
def cmd_forecast(args):
    import warnings

    import pandas as pd

    if args.horizon <= 0:
        raise CLIError(f"--horizon {args.horizon} must be a positive number of steps.")
    if not 0 <= args.coverage < 1:
        raise CLIError(f"--coverage {args.coverage} must be in [0, 1) (0: no interval).")
    y = read_series(args.file, args.time_column, args.column)
    forecaster = make_forecaster(args.model, args.horizon)
    if args.interpolate:
        forecaster.set_params(nan_policy="interpolate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster.fit(y)
        forecast = forecaster.predict(args.horizon)
        interval = None
        if args.coverage > 0:
            try:
                interval = forecaster.predict_interval(args.horizon, args.coverage)
            except ValueError as exc:
                print(f"note: no interval ({str(exc).splitlines()[0]})", file=sys.stderr)
    out = pd.DataFrame({"forecast": forecast})
    if interval is not None:
        out = out.join(interval)
    out.index.name = args.time_column
    _write_csv(out, args.out)
    if args.plot:
        _plot(args.plot, y, forecast, interval,
              title=f"{args.column}: {args.horizon}-step forecast ({args.model})")
    return 0


def demo_series(seed=0, n_weeks=8):
    """Hourly series with daily and weekly cycles, a slow trend and noise."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    t = np.arange(24 * 7 * n_weeks)
    values = (100 + 0.02 * t + 10 * np.sin(2 * np.pi * t / 24)
              + 4 * np.sin(2 * np.pi * t / 168) + rng.normal(0, 1.5, t.size))
    return pd.Series(values, pd.date_range("2024-01-01", periods=t.size, freq="h"),
                     name="load")


def cmd_demo(args):
    import warnings

    import pandas as pd

    from forecasting import (Forecaster, NaiveForecaster, SeasonalNaiveForecaster,
                             backtest)
    y = demo_series(args.seed)
    horizon = 24
    print(f"Demo series: {len(y)} hourly values ({y.index[0]} .. {y.index[-1]}), "
          "daily and weekly cycles, trend, noise.")
    models = {"Forecaster (ESN)": Forecaster(), "naive": NaiveForecaster(),
              "seasonal naive (24)": SeasonalNaiveForecaster(24)}
    rows = {}
    initial = len(y) - 10 * horizon
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model in models.items():
            res = backtest(model, y, initial=initial, horizon=horizon, step=horizon,
                           refit=False, m=24, progress=args.progress)
            rows[name] = res.summary
    table = pd.DataFrame(rows).T[["MASE", "MAE", "RMSE", "sMAPE", "NRMSE"]]
    print(f"\nBacktest: 10 origins, {horizon} steps ahead (MASE < 1 beats the "
          "seasonal-naive scale):")
    print(table.round(3).to_string())
    f = Forecaster().fit(y)
    forecast = f.predict(horizon)
    interval = f.predict_interval(horizon, coverage=0.9)
    print(f"\nNext {horizon} hours with 90% conformal intervals (first 6):")
    print(pd.concat([forecast.rename("forecast"), interval], axis=1).head(6)
          .round(2).to_string())
    if args.plot and not args.no_plot:
        try:
            _plot(args.plot, y, forecast, interval, title="forecasting demo")
            print(f"\nplot written to {args.plot}")
        except CLIError as exc:
            print(f"\nnote: {exc} (skipping the plot)", file=sys.stderr)
    return 0


def cmd_anomalies(args):
    """Fit an AnomalyDetector on the first --train share of the column, score
    the whole column causally, write time,value,score,anomaly."""
    import warnings

    import pandas as pd

    from forecasting import AnomalyDetector
    if not 0 < args.train <= 1:
        raise CLIError(f"--train {args.train} must be a fraction in (0, 1].")
    y = read_series(args.file, args.time_column, args.column)
    n_train = max(1, int(round(args.train * len(y))))
    det = AnomalyDetector(contamination=args.contamination, threshold=args.threshold,
                          cooldown=args.cooldown)
    if args.interpolate:
        det.set_params(nan_policy="interpolate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det.fit(y.iloc[:n_train])
        res = det.detect(y)
    out = pd.DataFrame({args.column: y, "score": res.scores, "anomaly": res.flags})
    out.index.name = args.time_column
    _write_csv(out, args.out)
    print(f"{int(res.flags.sum())} of {len(y)} steps flagged (threshold "
          f"{res.threshold:.3g}, fitted on the first {n_train})", file=sys.stderr)
    if args.plot:
        _plot_anomalies(args.plot, y, res, title=f"{args.column}: anomaly scores")
    return 0


def _plot_anomalies(path, y, res, title=""):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("--plot needs matplotlib, which is not installed "
                       "(pip install matplotlib).") from None
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
    ax.plot(y.index, y.to_numpy(), color="0.3", lw=0.8)
    flagged = y[res.flags.to_numpy()]
    ax.scatter(flagged.index, flagged.to_numpy(), color="C3", s=20, zorder=3,
               label="flagged")
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax2.plot(res.scores.index, res.scores.to_numpy(), color="C0", lw=0.8)
    ax2.axhline(res.threshold, color="C3", ls="--", lw=1, label="threshold")
    ax2.set_ylabel("score")
    ax2.legend(loc="upper left")
    _save(fig, path)


def _series_arguments(parser, what):
    """The input arguments shared by the subcommands that read a CSV column."""
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--time-column", required=True, metavar="C",
                        help="timestamps (or integer steps)")
    parser.add_argument("--column", required=True, metavar="C", help=what)


def _output_arguments(parser, plot_help):
    """NaN policy and outputs shared by the subcommands that read a CSV column."""
    parser.add_argument("--interpolate", action="store_true",
                        help="fill NaN inside the series linearly (default: error)")
    parser.add_argument("--out", metavar="F.csv", help="write here (default: stdout)")
    parser.add_argument("--plot", metavar="F.png",
                        help=f"{plot_help} (needs matplotlib)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m forecasting",
        description="Forecast pandas series with reservoir computing models.")
    sub = parser.add_subparsers(dest="command", metavar="{demo,forecast,anomalies}")
    sub.required = True

    demo = sub.add_parser("demo", help="built-in run on generated data: fit, "
                          "backtest against baselines, forecast, plot",
                          description="Fit, backtest and forecast a generated "
                          "hourly series; no data needed.")
    demo.add_argument("--plot", default="forecast_demo.png", metavar="F.png",
                      help="where to draw the forecast if matplotlib is installed "
                           "(default: forecast_demo.png)")
    demo.add_argument("--no-plot", action="store_true", help="do not draw")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--progress", action=argparse.BooleanOptionalAction,
                      default=None, help="progress bars (default: on a terminal)")
    demo.set_defaults(func=cmd_demo)

    fc = sub.add_parser("forecast", help="forecast a column of a CSV file",
                        description="Fit a Forecaster on one column of a CSV file "
                        "and write the forecast (with conformal intervals).")
    _series_arguments(fc, "values to forecast")
    fc.add_argument("--horizon", required=True, type=int, metavar="H",
                    help="steps ahead")
    fc.add_argument("--model", choices=MODELS, default="esn",
                    help="esn (default) or a gradient-trained network")
    fc.add_argument("--coverage", type=float, default=0.9,
                    help="interval coverage (0: no interval; default 0.9)")
    _output_arguments(fc, "draw history and forecast")
    fc.set_defaults(func=cmd_forecast)

    an = sub.add_parser("anomalies", help="anomaly scores of a column of a CSV "
                        "file", description="Fit an AnomalyDetector (ESN) on the "
                        "start of one column of a CSV file, score every step "
                        "causally and write time, value, score, anomaly.")
    _series_arguments(an, "values to score")
    an.add_argument("--train", type=float, default=0.15, metavar="F",
                    help="share of the series (from its start) to fit on "
                         "(default 0.15)")
    an.add_argument("--contamination", type=float, default=0.01,
                    help="share of training steps above the threshold (default 0.01)")
    an.add_argument("--threshold", type=float, default=None,
                    help="fixed score threshold instead of --contamination")
    an.add_argument("--cooldown", type=int, default=0,
                    help="steps between two flags (default 0)")
    _output_arguments(an, "draw series, flags and scores")
    an.set_defaults(func=cmd_anomalies)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CLIError as exc:
        return _fail(str(exc))
    except (ValueError, TypeError) as exc:
        return _fail(" ".join(str(exc).split()))


if __name__ == "__main__":
    sys.exit(main())

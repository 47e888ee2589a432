"""``python -m forecasting``: forecast a CSV column, or run the built-in demo.

Subcommands::

    python -m forecasting demo [--plot F.png | --no-plot]
    python -m forecasting forecast FILE.csv --time-column C --column C --horizon H
        [--model esn|lstm|gru|rnn|cwrnn] [--coverage 0.9] [--interpolate]
        [--out F.csv] [--plot F.png]
    python -m forecasting anomalies FILE.csv --time-column C --column C
        [--train 0.15] [--freq F [--agg mean]] [--threshold T | --contamination C]
        [--cooldown N] [--rearm] [--marks] [--interpolate] [--out F.csv]
        [--plot F.png]

Every failure -- a bad option, an unreadable file, a missing column, an
unparseable time, too short a series, an unwritable output, ... -- prints one
line ``error: ...`` on stderr and exits with status 2, and leaves no output
file behind: every output path is checked (a temporary file is created beside
it) before any work, and the outputs are written to those temporary files
and renamed into place only once everything has succeeded.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import warnings

EXIT_USAGE = 2
MODELS = ("esn", "lstm", "gru", "rnn", "cwrnn")
_RNN_CLASSES = {"lstm": "LSTMRegressor", "gru": "GRURegressor",
                "rnn": "SimpleRNNRegressor", "cwrnn": "CWRNNRegressor"}
#: The longest forecast the command line makes (a recursive ESN forecast of
#: this many steps takes a few seconds; far longer ones exhaust memory).
MAX_HORIZON = 100_000


class CLIError(Exception):
    """An error reported as one line on stderr with exit status 2."""


def _fail(message):
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _first_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the usage block is for ``--help``."""

    def error(self, message):
        raise CLIError(f"{self.prog}: {message} (see {self.prog} --help)")


# -- models ----------------------------------------------------------------
def make_forecaster(model, horizon):
    """The Forecaster the command line uses for ``--model``.

    ``esn`` is the default Forecaster (recursive, closed loop in one compiled
    call). Gradient-trained models use the direct strategy (one output per
    step ahead, one network run per forecast): their ``generate`` steps the
    network once per call, and a direct readout trained for every horizon
    avoids feeding their own errors back.

    Parameters
    ----------
    model : {"esn", "lstm", "gru", "rnn", "cwrnn"}
        The ``--model`` option.
    horizon : int
        Steps ahead (the direct models learn one output per step).

    Returns
    -------
    Forecaster
    """
    from forecasting import Forecaster
    if model == "esn":
        return Forecaster()
    import reservoir
    est = getattr(reservoir, _RNN_CLASSES[model])(
        hidden_size=32, max_iter=30, washout=20, bptt_window=200, random_state=0)
    return Forecaster(est, strategy="direct", max_horizon=horizon)


# -- data ------------------------------------------------------------------
def _time_index(raw, time_column):
    """The index of the series from the ``--time-column`` values."""
    import numpy as np
    import pandas as pd

    flag = f"--time-column {time_column!r}"
    missing = raw.isna().to_numpy()
    if missing.any():
        i = int(missing.nonzero()[0][0])
        raise CLIError(f"{flag} has no value at row {i}; every row needs a time.")
    kind = raw.dtype.kind
    if kind in "iu":
        return pd.Index(raw.to_numpy(), name=time_column)
    if kind == "f":
        # a float column is never a count of nanoseconds: whole numbers are
        # integer steps (a CSV writes 3 as 3.0 when the column held a NaN)
        v = raw.to_numpy()
        frac = (v != np.round(v)) | (np.abs(v) > 2.0 ** 53)
        if frac.any():
            i = int(frac.nonzero()[0][0])
            raise CLIError(f"{flag} holds the number {v[i].item()!r} at row {i}; times "
                           "must be timestamps (e.g. 2024-01-01 13:00) or whole "
                           "numbers of steps.")
        return pd.Index(v.astype(np.int64), name=time_column)
    if kind == "b":
        raise CLIError(f"{flag} holds True/False values; times must be timestamps "
                       "or whole numbers of steps.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.DatetimeIndex(pd.to_datetime(raw, errors="raise"),
                                    name=time_column)
    except (ValueError, TypeError, OverflowError) as exc:
        bad = None
        for i, v in enumerate(raw):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pd.to_datetime(v)
            except (ValueError, TypeError, OverflowError):
                bad = (i, v)
                break
        where = f" (row {bad[0]}: {bad[1]!r})" if bad else ""
        raise CLIError(f"cannot parse {flag} as timestamps{where}: "
                       f"{_first_line(exc)}") from None


def read_series(path, time_column, column):
    """The ``--column`` of a CSV file as a Series on its ``--time-column``.

    Parameters
    ----------
    path : str
        The CSV file.
    time_column : str
        Column of timestamps (parsed by :func:`pandas.to_datetime`) or of
        whole numbers of steps.
    column : str
        Column of numbers (empty cells are NaN).

    Returns
    -------
    pandas.Series
        Float values named ``column`` on a DatetimeIndex or an integer index
        named ``time_column``.

    Raises
    ------
    CLIError
        On an unreadable file, a missing column, a time that is not a
        timestamp or a whole number, or a value that is not a number.
    """
    import pandas as pd
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise CLIError(f"file {path!r} not found.") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise CLIError(f"cannot read {path!r} as CSV: {_first_line(exc)}.") from None
    for flag, col in (("--time-column", time_column), ("--column", column)):
        if col not in df.columns:
            raise CLIError(f"{flag} {col!r} is not a column of {path!r} "
                           f"(columns: {', '.join(map(str, df.columns))}).")
    if len(df) == 0:
        raise CLIError(f"{path!r} has a header but no rows of data.")
    index = _time_index(df[time_column], time_column)
    raw = df[column]
    if raw.dtype.kind == "b":
        raise CLIError(f"--column {column!r} holds True/False values; pass numbers "
                       "(e.g. 0 and 1).")
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise CLIError(f"--column {column!r} has a non-numeric value at row {i}: "
                       f"{raw.iloc[i]!r}.")
    return pd.Series(values.to_numpy(float), index=index, name=column)


# -- outputs: checked before any work, written atomically --------------------
def _reason(exc):
    return exc.strerror or _first_line(exc)


class _Output:
    """An output file reserved before the work and committed after it.

    Creating a temporary file beside ``path`` proves the path writable (a
    permission test alone does not: root passes it everywhere); the content
    goes there and is renamed onto ``path`` by :meth:`commit`, so a failure
    at any point leaves no half-written output behind. A symbolic link keeps
    pointing where it did (its target is replaced); a device or a pipe
    (``/dev/stdout``) cannot be replaced and is written in place, last."""

    def __init__(self, path, flag):
        self.path, self.flag = os.fspath(path), flag
        self.tmp = None
        label = f"{flag} {self.path!r}"
        if self.path == "" or os.path.isdir(self.path):
            raise CLIError(f"cannot write {label}: it is a directory; pass a "
                           "file name.")
        if os.path.exists(self.path) and not os.access(self.path, os.W_OK):
            raise CLIError(f"cannot write {label}: the file is read-only.")
        self.target = os.path.realpath(self.path)
        if os.path.exists(self.target) and not os.path.isfile(self.target):
            return                      # a device or a pipe: written in place
        parent = os.path.dirname(self.target)
        if not os.path.isdir(parent):
            raise CLIError(f"cannot write {label}: the directory {parent!r} does "
                           "not exist.")
        try:
            fd, self.tmp = tempfile.mkstemp(
                prefix=f".{os.path.basename(self.path)}.", suffix=".part", dir=parent)
        except OSError as exc:
            raise CLIError(f"cannot write {label}: {_reason(exc)}.") from None
        os.close(fd)

    def open(self, mode):
        """The file the content goes to (the temporary one, if any)."""
        return open(self.tmp or self.target, mode, **(
            {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}))

    def commit(self):
        if self.tmp is None:
            return
        try:
            if os.path.exists(self.target):
                mode = os.stat(self.target).st_mode & 0o777
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(self.tmp, mode)
            os.replace(self.tmp, self.target)
        except OSError as exc:
            raise CLIError(f"cannot write {self.flag} {self.path!r}: "
                           f"{_reason(exc)}.") from None

    def discard(self):
        if self.tmp is None:
            return
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


def _plot_format(path):
    """The image format of ``--plot`` (from its extension; png without one),
    or a CLIError before any work when matplotlib is missing or cannot write
    it."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError("--plot needs matplotlib, which is not installed "
                       "(pip install matplotlib).") from None
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    supported = Figure().canvas.get_supported_filetypes()
    if not ext:
        return "png"
    if ext not in supported:
        raise CLIError(f"--plot {os.fspath(path)!r}: matplotlib cannot write "
                       f"'.{ext}' files; use one of "
                       f"{', '.join('.' + e for e in sorted(supported))}.")
    return ext


class _Outputs:
    """The ``--out`` and ``--plot`` files of one run (either may be absent)."""

    def __init__(self, args):
        self.out = self.plot = None
        self.plot_format = None
        paths = {}
        for flag, path in (("--out", getattr(args, "out", None)),
                           ("--plot", getattr(args, "plot", None))):
            if path is None:
                continue
            real = os.path.realpath(path)
            if real in paths:
                raise CLIError(f"--out and --plot are the same file {path!r}; "
                               "pass two different names.")
            if os.path.exists(args.file) and os.path.exists(path) \
                    and os.path.samefile(args.file, path):
                raise CLIError(f"{flag} {path!r} is the input file; pass another "
                               "name (it would be overwritten).")
            paths[real] = flag
        try:
            if args.plot is not None:
                self.plot_format = _plot_format(args.plot)
                self.plot = _Output(args.plot, "--plot")
            if args.out is not None:
                self.out = _Output(args.out, "--out")
        except BaseException:
            self.discard()
            raise

    def discard(self):
        for o in (self.out, self.plot):
            if o is not None:
                o.discard()


def _csv_text(frame):
    return frame.to_csv()


def _write_text(output, text):
    try:
        with output.open("w") as fh:
            fh.write(text)
    except OSError as exc:
        raise CLIError(f"cannot write {output.flag} {output.path!r}: "
                       f"{_reason(exc)}.") from None


def _render(fig, output, fmt):
    """Draw ``fig`` into the reserved plot file (not yet committed)."""
    import matplotlib.pyplot as plt

    try:
        fig.tight_layout()
        with output.open("wb") as fh:
            fig.savefig(fh, format=fmt, dpi=100)
    except OSError as exc:
        raise CLIError(f"cannot write the plot to {output.path!r}: "
                       f"{_reason(exc)}.") from None
    finally:
        plt.close(fig)


def _finish(outputs, csv_text, fig):
    """Write the results: every file to its temporary name first, then all
    renamed into place; the CSV goes to stdout when there is no ``--out``."""
    if fig is not None:
        _render(fig, outputs.plot, outputs.plot_format)
    if outputs.out is not None:
        _write_text(outputs.out, csv_text)
    for o in (outputs.plot, outputs.out):
        if o is not None:
            o.commit()
    if outputs.out is None:
        sys.stdout.write(csv_text)
        sys.stdout.flush()


def _forecast_figure(history, forecast, interval=None, title=""):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    tail = history.iloc[-max(5 * len(forecast), 200):]
    ax.plot(tail.index, tail.to_numpy(), color="0.3", lw=1, label="history")
    ax.plot(forecast.index, forecast.to_numpy(), color="C1", lw=1.5, label="forecast")
    if interval is not None:
        ax.fill_between(interval.index, interval["lower"], interval["upper"],
                        color="C1", alpha=0.25, label="interval")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return fig


# -- subcommands -----------------------------------------------------------
def _check_number(value, flag, low, high, low_open=False, high_open=False, what=""):
    ok = math.isfinite(value) and (value > low if low_open else value >= low) \
        and (value < high if high_open else value <= high)
    if not ok:
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise CLIError(f"{flag} {value!r} must be in {lo}{low}, {high}{hi}{what}.")


def cmd_forecast(args):
    """Fit a Forecaster on a CSV column and write its forecast."""
    import pandas as pd

    if not 1 <= args.horizon <= MAX_HORIZON:
        raise CLIError(f"--horizon {args.horizon} must be a positive number of "
                       f"steps, at most {MAX_HORIZON}.")
    _check_number(args.coverage, "--coverage", 0, 1, high_open=True,
                  what=" (0: no interval)")
    outputs = _Outputs(args)
    try:
        y = read_series(args.file, args.time_column, args.column)
        forecaster = make_forecaster(args.model, args.horizon)
        if args.interpolate:
            forecaster.set_params(nan_policy="interpolate")
        notes = []
        forecaster.fit(y)
        forecast = forecaster.predict(args.horizon)
        interval = None
        if args.coverage > 0:
            try:
                interval = forecaster.predict_interval(args.horizon, args.coverage)
            except ValueError as exc:
                notes.append(f"note: no interval ({str(exc).splitlines()[0]})")
        out = pd.DataFrame({"forecast": forecast})
        if interval is not None:
            out = out.join(interval)
        out.index.name = args.time_column
        fig = None
        if outputs.plot is not None:
            fig = _forecast_figure(y, forecast, interval, title=(
                f"{args.column}: {args.horizon}-step forecast ({args.model})"))
        _finish(outputs, _csv_text(out), fig)
    except BaseException:
        outputs.discard()
        raise
    for note in notes:
        print(note, file=sys.stderr)
    return 0


def demo_series(seed=0, n_weeks=8):
    """Hourly series with daily and weekly cycles, a slow trend and noise.

    Parameters
    ----------
    seed : int, default=0
        Seed of the noise (:func:`numpy.random.default_rng`).
    n_weeks : int, default=8
        Length in weeks.

    Returns
    -------
    pandas.Series
        Named ``"load"``, on an hourly DatetimeIndex from 2024-01-01.
    """
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    t = np.arange(24 * 7 * n_weeks)
    values = (100 + 0.02 * t + 10 * np.sin(2 * np.pi * t / 24)
              + 4 * np.sin(2 * np.pi * t / 168) + rng.normal(0, 1.5, t.size))
    return pd.Series(values, pd.date_range("2024-01-01", periods=t.size, freq="h"),
                     name="load")


def cmd_demo(args):
    """Backtest and forecast the demo series; draw it unless ``--no-plot``."""
    import pandas as pd

    from forecasting import (Forecaster, NaiveForecaster, SeasonalNaiveForecaster,
                             backtest)
    if args.seed < 0:
        raise CLIError(f"--seed {args.seed} must be >= 0.")
    y = demo_series(args.seed)
    horizon = 24
    print(f"Demo series: {len(y)} hourly values ({y.index[0]} .. {y.index[-1]}), "
          "daily and weekly cycles, trend, noise.")
    models = {"Forecaster (ESN)": Forecaster(), "naive": NaiveForecaster(),
              "seasonal naive (24)": SeasonalNaiveForecaster(24)}
    rows = {}
    initial = len(y) - 10 * horizon
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
        # the plot is optional here: a failure is a note, not an error
        output = None
        try:
            fmt = _plot_format(args.plot)
            output = _Output(args.plot, "--plot")
            _render(_forecast_figure(y, forecast, interval, title="forecasting demo"),
                    output, fmt)
            output.commit()
            print(f"\nplot written to {args.plot}")
        except CLIError as exc:
            if output is not None:
                output.discard()
            print(f"\nnote: {exc} (skipping the plot)", file=sys.stderr)
    return 0


def _train_rows(train, n):
    """Rows to fit on: ``--train`` as a share of ``n`` (at most 1) or a count."""
    if train > 1:
        if train != int(train):
            raise CLIError(f"--train {train!r}: above 1 it is a number of rows and "
                           "must be a whole number.")
        rows = int(train)
        if rows > n:
            raise CLIError(f"--train {rows} rows is more than the {n} rows of the "
                           "series.")
        return rows
    return max(1, int(round(train * n)))


def cmd_anomalies(args):
    """Fit an AnomalyDetector on the first --train rows of the column, score
    every row causally in file order, write time,value,score,anomaly."""
    import numpy as np
    import pandas as pd

    from forecasting import AnomalyDetector, regularise
    if not (math.isfinite(args.train) and args.train > 0):
        raise CLIError(f"--train {args.train!r} must be in (0, 1] (a share of the "
                       "series) or a number of rows above 1.")
    if args.contamination is not None:
        if args.threshold is not None:
            raise CLIError("--threshold and --contamination both set the "
                           "threshold; pass one of them.")
        _check_number(args.contamination, "--contamination", 0, 0.5, low_open=True,
                      what=" (a share of the training steps)")
    if args.threshold is not None and not math.isfinite(args.threshold):
        raise CLIError(f"--threshold {args.threshold!r} must be a finite score.")
    if args.cooldown is not None and args.cooldown < 0:
        raise CLIError(f"--cooldown {args.cooldown} must be >= 0 steps.")
    outputs = _Outputs(args)
    try:
        y = read_series(args.file, args.time_column, args.column)
        notes = []
        if args.freq is not None:
            if not isinstance(y.index, pd.DatetimeIndex):
                raise CLIError(f"--freq needs timestamps in --time-column "
                               f"{args.time_column!r}; it holds whole numbers of "
                               "steps.")
            # the grid's empty steps stay NaN here: the detector interpolates
            # them itself, so they are marked imputed and never flagged
            reg = regularise(y, args.freq, agg=args.agg, fill=None)
            y = reg.y
            notes.append(f"regularised: {reg.summary()}")
        n_train = _train_rows(args.train, len(y))
        if args.interpolate or args.freq is not None:
            # interpolation needs an observation after a missing value: the
            # training rows end at the last complete row of the share asked for
            complete = np.flatnonzero(y.iloc[:n_train].notna().to_numpy())
            if len(complete):
                n_train = int(complete[-1]) + 1
        det = AnomalyDetector()
        rule = {k: v for k, v in (("threshold", args.threshold),
                                  ("contamination", args.contamination),
                                  ("cooldown", args.cooldown),
                                  ("rearm", args.rearm)) if v is not None}
        det.set_params(**rule)
        if args.interpolate or args.freq is not None:
            det.set_params(nan_policy="interpolate")
        det.fit(y.iloc[:n_train])
        res = det.detect(y)
        parts = {args.column: y, "score": res.scores, "anomaly": res.flags}
        if args.marks:
            parts.update(imputed=res.imputed, after_gap=res.after_gap,
                         duplicate=res.duplicate, step_back=res.step_back)
        # arrays, not Series: an index with duplicated timestamps cannot align
        out = pd.DataFrame({k: v.to_numpy() for k, v in parts.items()},
                           index=y.index)
        out.index.name = args.time_column
        fig = None
        if outputs.plot is not None:
            fig = _anomaly_figure(y, res, title=f"{args.column}: anomaly scores")
        _finish(outputs, _csv_text(out), fig)
    except BaseException:
        outputs.discard()
        raise
    marked = [f"{int(m.sum())} {what}" for m, what in (
        (res.duplicate, "duplicated timestamp(s)"), (res.step_back, "step(s) back"),
        (res.after_gap, "row(s) after a gap"), (res.imputed, "imputed row(s)"))
        if m.any()]
    print(f"{int(res.flags.sum())} of {len(y)} steps flagged (threshold "
          f"{res.threshold:.3g}, cooldown {res.cooldown}"
          f"{', rearm' if res.rearm else ''}; fitted on the first {n_train} rows)"
          + ("; " + ", ".join(marked) if marked else "")
          + ("; " + "; ".join(notes) if notes else ""), file=sys.stderr)
    return 0


def _anomaly_figure(y, res, title=""):
    import matplotlib.pyplot as plt

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
    return fig


def _series_arguments(parser, what):
    """The input arguments shared by the subcommands that read a CSV column."""
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--time-column", required=True, metavar="C",
                        help="timestamps (or whole numbers of steps)")
    parser.add_argument("--column", required=True, metavar="C", help=what)


def _output_arguments(parser, plot_help):
    """NaN policy and outputs shared by the subcommands that read a CSV column."""
    parser.add_argument("--interpolate", action="store_true",
                        help="fill NaN inside the series linearly (default: error)")
    parser.add_argument("--out", metavar="F.csv", help="write here (default: stdout)")
    parser.add_argument("--plot", metavar="F.png",
                        help=f"{plot_help} (needs matplotlib)")


def build_parser():
    """The argument parser of ``python -m forecasting``.

    Returns
    -------
    argparse.ArgumentParser
        Its errors raise :class:`CLIError` (one line) instead of printing
        the usage block and exiting.
    """
    parser = _Parser(
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
                    help=f"steps ahead (1 to {MAX_HORIZON})")
    fc.add_argument("--model", choices=MODELS, default="esn",
                    help="esn (default) or a gradient-trained network")
    fc.add_argument("--coverage", type=float, default=0.9,
                    help="interval coverage (0: no interval; default 0.9)")
    _output_arguments(fc, "draw history and forecast")
    fc.set_defaults(func=cmd_forecast)

    an = sub.add_parser(
        "anomalies", help="anomaly scores of a column of a CSV file",
        description="Fit an AnomalyDetector (ESN) on the start of one column of a "
        "CSV file, score every row causally in file order and write time, value, "
        "score, anomaly. Rows are scored as they come: gaps, duplicated "
        "timestamps and an occasional small step back are allowed (--marks "
        "writes which rows had them); --freq puts the series on a regular grid "
        "first, on purpose. The default alarm rule is the library's "
        "(AnomalyDetector's threshold and cooldown).")
    _series_arguments(an, "values to score")
    an.add_argument("--train", type=float, default=0.15, metavar="F",
                    help="rows to fit on, from the start: a share in (0, 1] or a "
                         "number of rows above 1 (default 0.15)")
    an.add_argument("--freq", default=None, metavar="FREQ",
                    help="resample to this regular step first (e.g. 5min, h, D): "
                         "rows of one step aggregated (--agg), missing steps "
                         "interpolated and never flagged (default: score the rows "
                         "as they are)")
    an.add_argument("--agg", default="mean",
                    choices=("mean", "median", "first", "last", "min", "max", "sum"),
                    help="how --freq combines the rows of one step (default mean)")
    an.add_argument("--threshold", type=float, default=None,
                    help="score above which a row raises an alarm (default: the "
                         "library's; lower is more sensitive)")
    an.add_argument("--contamination", type=float, default=None,
                    help="instead of --threshold: the share of training rows, in "
                         "(0, 0.5], that would be above the threshold")
    an.add_argument("--cooldown", type=int, default=None,
                    help="rows after an alarm without a new one (default: the "
                         "library's)")
    an.add_argument("--rearm", action=argparse.BooleanOptionalAction, default=None,
                    help="a new alarm also needs the score to fall back to the "
                         "threshold first (default: the library's)")
    an.add_argument("--marks", action="store_true",
                    help="also write the imputed, after_gap, duplicate and "
                         "step_back columns")
    _output_arguments(an, "draw series, flags and scores")
    an.set_defaults(func=cmd_anomalies)
    return parser


def _silence_stdout():
    """Point stdout at the null device, so the interpreter's final flush of
    a closed pipe does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv=None):
    """Run the command line; return the exit status (0 on success, 2 on error).

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments after ``python -m forecasting`` (None: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success (and after ``--help``); 2 after an error, reported as
        one line ``error: ...`` on stderr with no output file left behind;
        1, silently, when the reader of the standard output closes it early
        (``python -m forecasting demo | head -1``).
    """
    try:
        args = build_parser().parse_args(argv)
    except CLIError as exc:
        return _fail(str(exc))
    except SystemExit as exc:          # --help: printed, nothing else to do
        return exc.code if isinstance(exc.code, int) else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return args.func(args)
    except CLIError as exc:
        return _fail(str(exc))
    except (ValueError, TypeError) as exc:
        return _fail(_first_line(exc))
    except MemoryError:
        return _fail("out of memory; use a shorter series or a smaller --horizon.")
    except BrokenPipeError:
        # the reader of stdout has gone (``... | head``): nothing to report,
        # and nothing more can be written; Python's own convention is status 1
        _silence_stdout()
        return 1
    except Exception as exc:            # a defect: still one line, never a traceback
        return _fail(f"unexpected {type(exc).__name__}: {_first_line(exc)} "
                     "(a defect; please report it with the command line).")


if __name__ == "__main__":
    sys.exit(main())

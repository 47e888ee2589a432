"""python -m forecasting: exit codes, one-line errors, outputs."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecasting.__main__ import MAX_HORIZON, main


@pytest.fixture
def csv(tmp_path):
    t = pd.date_range("2024-01-01", periods=300, freq="h")
    v = 10 + np.sin(2 * np.pi * np.arange(300) / 24)
    path = tmp_path / "data.csv"
    pd.DataFrame({"when": t.strftime("%Y-%m-%d %H:%M"), "load": v}).to_csv(path, index=False)
    return path


def one_line_error(capsys, argv, match):
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert match in err, err
    assert "Traceback" not in err


def test_forecast_writes_csv(csv, tmp_path, capsys):
    out = tmp_path / "f.csv"
    assert main(["forecast", str(csv), "--time-column", "when", "--column", "load",
                 "--horizon", "5", "--out", str(out)]) == 0
    df = pd.read_csv(out, index_col=0, parse_dates=True)
    assert list(df.columns) == ["forecast", "lower", "upper"] and len(df) == 5
    assert df.index[0] == pd.Timestamp("2024-01-13 12:00")
    assert main(["forecast", str(csv), "--time-column", "when", "--column", "load",
                 "--horizon", "2", "--coverage", "0"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "when,forecast"


def test_bad_file(tmp_path, capsys):
    one_line_error(capsys, ["forecast", str(tmp_path / "nope.csv"), "--time-column",
                            "t", "--column", "v", "--horizon", "3"], "not found")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    one_line_error(capsys, ["forecast", str(empty), "--time-column", "t", "--column",
                            "v", "--horizon", "3"], "cannot read")


def test_missing_column(csv, capsys):
    one_line_error(capsys, ["forecast", str(csv), "--time-column", "when", "--column",
                            "power", "--horizon", "3"], "--column 'power' is not a column")
    one_line_error(capsys, ["forecast", str(csv), "--time-column", "time", "--column",
                            "load", "--horizon", "3"], "--time-column 'time'")


def test_unparseable_time(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"t": ["2024-01-01", "yesterday", "2024-01-03"],
                  "v": [1.0, 2.0, 3.0]}).to_csv(path, index=False)
    one_line_error(capsys, ["forecast", str(path), "--time-column", "t", "--column",
                            "v", "--horizon", "3"], "cannot parse --time-column 't'")


def test_too_short_series_and_bad_values(tmp_path, capsys):
    path = tmp_path / "short.csv"
    pd.DataFrame({"t": pd.date_range("2024", periods=20, freq="D").strftime("%Y-%m-%d"),
                  "v": np.arange(20.0)}).to_csv(path, index=False)
    one_line_error(capsys, ["forecast", str(path), "--time-column", "t", "--column",
                            "v", "--horizon", "3"], "too short")
    one_line_error(capsys, ["forecast", str(path), "--time-column", "t", "--column",
                            "v", "--horizon", "0"], "--horizon 0")
    path2 = tmp_path / "text.csv"
    pd.DataFrame({"t": ["2024-01-01", "2024-01-02"], "v": ["1", "x"]}).to_csv(path2, index=False)
    one_line_error(capsys, ["forecast", str(path2), "--time-column", "t", "--column",
                            "v", "--horizon", "3"], "non-numeric value at row 1")


def test_anomalies_needs_a_file(capsys):
    # an argparse error is one line too, not the usage block (issue defect #9)
    one_line_error(capsys, ["anomalies"], "the following arguments are required")


@pytest.mark.parametrize("argv,match", [
    ([], "the following arguments are required: {demo,forecast,anomalies}"),
    (["fly"], "invalid choice: 'fly'"),
    (["forecast", "x.csv", "--time-column", "t", "--column", "v"],
     "required: --horizon"),
    (["forecast", "x.csv", "--time-column", "t", "--column", "v", "--horizon", "ten"],
     "argument --horizon: invalid int value: 'ten'"),
    (["forecast", "x.csv", "--time-column", "t", "--column", "v", "--horizon", "3",
      "--model", "arima"], "argument --model: invalid choice: 'arima'"),
    (["anomalies", "x.csv", "--time-column", "t", "--column", "v", "--bogus"],
     "unrecognized arguments: --bogus"),
])
def test_argparse_errors_are_one_line(argv, match, capsys):
    one_line_error(capsys, argv, match)
    assert "usage:" not in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"],
                                  ["forecast", "--help"], ["anomalies", "--help"]])
def test_help_everywhere(argv, capsys):
    assert main(argv) == 0
    assert "usage:" in capsys.readouterr().out


def test_subprocess_error_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "forecasting", "forecast",
                           str(tmp_path / "missing.csv"), "--time-column", "t",
                           "--column", "v", "--horizon", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: file {str(tmp_path / 'missing.csv')!r} not found."]


def test_a_closed_output_pipe_ends_quietly(csv, capsys, monkeypatch):
    """``... | head -1``: the reader has closed stdout, so writing to it
    raises BrokenPipeError; the run ends with status 1 (Python's convention
    for EPIPE) and says nothing. (A real pipe is not used: whether a large
    write fails depends on the pipe's capacity and the reader's timing.)"""
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self):
            raise OSError("no file descriptor")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["forecast", str(csv), "--time-column", "when", "--column", "load",
                 "--horizon", "3", "--coverage", "0"]) == 1
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_demo_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "forecasting", "demo", "--plot",
                           str(tmp_path / "demo.png")], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Backtest" in proc.stdout and "seasonal naive" in proc.stdout


# -- regressions of the defect #9 ----------------------------------------
def run(argv):
    return main([str(a) for a in argv])


def forecast_argv(path, *extra, time="when", col="load", horizon=5):
    return ["forecast", path, "--time-column", time, "--column", col,
            "--horizon", horizon, *extra]


def anomalies_argv(path, *extra, time="when", col="load"):
    # 300 rows: fit on 180, past the default ESN's washout and warm-up
    return ["anomalies", path, "--time-column", time, "--column", col,
            "--train", "0.6", *extra]


def test_float_time_column_is_not_nanoseconds(tmp_path, capsys):
    """A float time column was parsed as nanoseconds since 1970 (exit 0)."""
    path = tmp_path / "f.csv"
    pd.DataFrame({"t": np.arange(300) + 0.5, "v": np.sin(np.arange(300) / 4)}).to_csv(
        path, index=False)
    one_line_error(capsys, forecast_argv(path, time="t", col="v"),
                   "--time-column 't' holds the number 0.5 at row 0")


def test_whole_float_time_column_is_integer_steps(tmp_path, capsys):
    """3.0, 4.0, ... (what a CSV holds when the column once had a NaN) are the
    integer steps 3, 4, ...: the forecast continues them."""
    path = tmp_path / "f.csv"
    n = 300
    pd.DataFrame({"t": np.arange(3, 3 + n, dtype=float),
                  "v": np.sin(np.arange(n) / 4)}).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    assert run(forecast_argv(path, "--out", out, "--coverage", 0, time="t", col="v",
                             horizon=3)) == 0
    df = pd.read_csv(out, index_col=0)
    assert df.index.tolist() == [3 + n, 4 + n, 5 + n]


def test_missing_time_is_an_error(tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_text("when,load\n2024-01-01 00:00,1\n,2\n2024-01-01 02:00,3\n")
    one_line_error(capsys, forecast_argv(path), "--time-column 'when' has no value at row 1")


def test_header_only_file(tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_text("when,load\n")
    one_line_error(capsys, forecast_argv(path), "has a header but no rows of data")


@pytest.mark.parametrize("horizon", [10 ** 18, -1, MAX_HORIZON + 1])
def test_huge_or_negative_horizon(csv, capsys, horizon):
    """--horizon 10**18 gave a MemoryError traceback."""
    one_line_error(capsys, forecast_argv(csv, horizon=horizon),
                   f"--horizon {horizon} must be a positive number of steps, at most")


def test_out_in_missing_directory_names_the_reason(csv, tmp_path, capsys):
    """--out to an unwritable path printed "cannot write '...': None."."""
    target = tmp_path / "no" / "such" / "f.csv"
    one_line_error(capsys, forecast_argv(csv, "--out", target),
                   "does not exist")
    err = capsys.readouterr().err
    assert "None" not in err
    for bad in (tmp_path, csv / "f.csv"):       # a directory; a file as a directory
        one_line_error(capsys, forecast_argv(csv, "--out", bad), "cannot write --out")
    assert "None" not in capsys.readouterr().err


def _files(directory):
    return sorted(p.name for p in directory.iterdir())


def test_unwritable_plot_writes_no_csv(csv, tmp_path, capsys):
    """anomalies with an unwritable --plot wrote the CSV first."""
    out = tmp_path / "scores.csv"
    before = _files(tmp_path)
    one_line_error(capsys, anomalies_argv(csv, "--out", out, "--plot",
                                          tmp_path / "missing" / "p.png"),
                   "cannot write --plot")
    assert _files(tmp_path) == before            # no CSV, no temporary file
    one_line_error(capsys, anomalies_argv(csv, "--out", out, "--plot",
                                          tmp_path / "p.xyz"), "cannot write '.xyz'")
    assert _files(tmp_path) == before
    one_line_error(capsys, forecast_argv(csv, "--out", out, "--plot", out),
                   "same file")
    one_line_error(capsys, forecast_argv(csv, "--out", csv), "is the input file")
    assert _files(tmp_path) == before


def test_failure_after_the_work_leaves_nothing(csv, tmp_path, capsys, monkeypatch):
    """A failure while writing (here: the plot) removes the CSV's temporary
    file too: nothing is written half-way."""
    import forecasting.__main__ as cli

    def broken(fig, output, fmt):
        raise cli.CLIError("cannot write the plot: disk full.")

    monkeypatch.setattr(cli, "_render", broken)
    before = _files(tmp_path)
    one_line_error(capsys, anomalies_argv(csv, "--out", tmp_path / "s.csv",
                                          "--plot", tmp_path / "s.png"), "disk full")
    assert _files(tmp_path) == before


def test_outputs_replace_atomically_and_keep_permissions(csv, tmp_path, capsys):
    out, plot = tmp_path / "s.csv", tmp_path / "s.png"
    out.write_text("old")
    out.chmod(0o640)
    assert run(anomalies_argv(csv, "--out", out, "--plot", plot)) == 0
    df = pd.read_csv(out, index_col=0, parse_dates=True)
    assert list(df.columns) == ["load", "score", "anomaly"] and len(df) == 300
    assert (out.stat().st_mode & 0o777) == 0o640
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "steps flagged" in err[0]


@pytest.mark.parametrize("extra,match", [
    (["--train", "0"], "--train 0.0 must be in (0, 1]"),
    (["--train", "nan"], "--train nan must be in (0, 1]"),
    (["--contamination", "0.7"], "--contamination 0.7 must be in (0, 0.5]"),
    (["--threshold", "inf"], "--threshold inf must be a finite score"),
    (["--cooldown", "-1"], "--cooldown -1 must be >= 0"),
])
def test_anomaly_options_checked_before_reading(tmp_path, capsys, extra, match):
    one_line_error(capsys, anomalies_argv(tmp_path / "absent.csv", *extra), match)


def test_coverage_nan(csv, capsys):
    one_line_error(capsys, forecast_argv(csv, "--coverage", "nan"), "--coverage nan")


def test_unexpected_exception_is_one_line(csv, capsys, monkeypatch):
    """A defect deeper down still gives one line and exit 2, never a traceback."""
    import forecasting.__main__ as cli

    def boom(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "make_forecaster", boom)
    one_line_error(capsys, forecast_argv(csv), "unexpected ZeroDivisionError")


def test_no_guard_for_models_that_always_exist():
    """The guard for a missing reservoir class could never fire: every model
    of --model exists."""
    import reservoir
    from forecasting.__main__ import _RNN_CLASSES, MODELS, make_forecaster
    assert set(_RNN_CLASSES) | {"esn"} == set(MODELS)
    for model, name in _RNN_CLASSES.items():
        assert isinstance(make_forecaster(model, 4).estimator, getattr(reservoir, name))


def test_symlink_keeps_pointing_and_devices_are_written_in_place(csv, tmp_path, capsys):
    """Atomic replacement must not turn a link into a file, nor try to
    replace /dev/null (as root it could)."""
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert run(forecast_argv(csv, "--out", link, "--coverage", 0, horizon=2)) == 0
    assert link.is_symlink() and pd.read_csv(real).shape == (2, 2)
    assert run(forecast_argv(csv, "--out", "/dev/null", "--coverage", 0, horizon=2)) == 0
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")

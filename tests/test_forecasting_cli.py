"""python -m forecasting: exit codes, one-line errors, outputs."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecasting.__main__ import main


@pytest.fixture
def csv(tmp_path):
    t = pd.date_range("2024-01-01", periods=300, freq="h")
    v = 10 + np.sin(2 * np.pi * np.arange(300) / 24)
    path = tmp_path / "data.csv"
    pd.DataFrame({"when": t.strftime("%Y-%m-%d %H:%M"), "load": v}).to_csv(path, index=False)
    return path


def one_line_error(capsys, argv, match):
    assert main(argv) == 2
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
    with pytest.raises(SystemExit) as exc:
        main(["anomalies"])
    assert exc.value.code == 2
    assert "FILE" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"],
                                  ["forecast", "--help"], ["anomalies", "--help"]])
def test_help_everywhere(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_subprocess_error_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "forecasting", "forecast",
                           str(tmp_path / "missing.csv"), "--time-column", "t",
                           "--column", "v", "--horizon", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: file {str(tmp_path / 'missing.csv')!r} not found."]


@pytest.mark.slow
def test_demo_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "forecasting", "demo", "--plot",
                           str(tmp_path / "demo.png")], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Backtest" in proc.stdout and "seasonal naive" in proc.stdout

"""``python -m forecasting anomalies`` on files as monitoring systems write
them: duplicated timestamps, gaps and a step back score without any option;
``--freq`` resamples on purpose; the alarm-rule options are those of
:class:`forecasting.AnomalyDetector`."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting import AnomalyDetector, regularise
from forecasting.__main__ import main

NAB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nab"


def values(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    v = 10 + np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=n)
    v[500:506] += 3                                    # an excursion to flag
    return v


def irregular_times(n=600):
    """Hourly stamps with a duplicated one, a gap of three hours and the
    clock set back an hour, as strings the way a CSV holds them."""
    idx = list(pd.date_range("2024-01-01", periods=n + 1, freq="h"))
    del idx[300:303]                                   # a gap of four hours
    idx = idx[:100] + [idx[99]] + idx[100:]            # row 100 repeats row 99
    idx = idx[:400] + [idx[398]] + idx[400:]           # row 400 goes back an hour
    return pd.DatetimeIndex(idx[:n])


@pytest.fixture
def messy_csv(tmp_path):
    idx = irregular_times()
    path = tmp_path / "messy.csv"
    pd.DataFrame({"timestamp": idx.strftime("%Y-%m-%d %H:%M:%S"),
                  "value": values(len(idx))}).to_csv(path, index=False)
    return path, idx


def run(path, *extra):
    return main(["anomalies", str(path), "--time-column", "timestamp", "--column",
                 "value", *map(str, extra)])


def test_irregular_file_scores_every_row_in_file_order_without_options(
        messy_csv, tmp_path, capsys):
    path, idx = messy_csv
    out = tmp_path / "out.csv"
    assert run(path, "--train", 0.5, "--out", out, "--marks") == 0
    err = capsys.readouterr().err
    assert "1 duplicated timestamp(s)" in err and "1 step(s) back" in err
    assert "2 row(s) after a gap" in err
    df = pd.read_csv(out, parse_dates=["timestamp"])
    # every input row, in the input's order, on the input's timestamps
    assert pd.DatetimeIndex(df["timestamp"]).equals(idx)
    assert list(df.columns) == ["timestamp", "value", "score", "anomaly", "imputed",
                                "after_gap", "duplicate", "step_back"]
    assert np.isfinite(df["score"]).all()
    assert np.flatnonzero(df["duplicate"]).tolist() == [100]
    assert np.flatnonzero(df["step_back"]).tolist() == [400]
    # the four-hour step, and the two hours from the step back to the next row
    assert np.flatnonzero(df["after_gap"]).tolist() == [301, 401]
    assert not df["imputed"].any()
    # the same numbers as the library with its defaults
    y = pd.Series(values(len(idx)), index=idx, name="value")
    res = AnomalyDetector().fit(y.iloc[:300]).detect(y)
    np.testing.assert_allclose(df["score"], res.scores.to_numpy(), rtol=1e-9,
                               atol=1e-12)
    assert df["anomaly"].tolist() == res.flags.tolist()
    assert res.flags.iloc[500:520].any()


def test_rule_options_are_the_detectors(messy_csv, tmp_path, capsys):
    path, idx = messy_csv
    out = tmp_path / "out.csv"
    assert run(path, "--train", 300, "--threshold", 1.5, "--cooldown", 5, "--rearm",
               "--out", out) == 0
    assert "threshold 1.5, cooldown 5, rearm; fitted on the first 300 rows" in \
        capsys.readouterr().err
    df = pd.read_csv(out)
    y = pd.Series(values(len(idx)), index=idx, name="value")
    det = AnomalyDetector(threshold=1.5, cooldown=5, rearm=True).fit(y.iloc[:300])
    assert df["anomaly"].tolist() == det.predict(y).tolist()
    assert run(path, "--train", 300, "--contamination", 0.05, "--cooldown", 0,
               "--out", out) == 0
    det = AnomalyDetector(contamination=0.05, cooldown=0).fit(y.iloc[:300])
    assert f"threshold {det.threshold_:.3g}, cooldown 0;" in capsys.readouterr().err
    assert pd.read_csv(out)["anomaly"].tolist() == det.predict(y).tolist()


def test_freq_resamples_on_purpose(messy_csv, tmp_path, capsys):
    path, idx = messy_csv
    out = tmp_path / "out.csv"
    assert run(path, "--freq", "h", "--agg", "max", "--train", 0.5, "--marks",
               "--out", out) == 0
    err = capsys.readouterr().err
    y = pd.Series(values(len(idx)), index=idx, name="value")
    reg = regularise(y, "h", agg="max", fill=None)
    assert f"regularised: {reg.summary()}" in err
    assert "3 missing step(s) inserted" in err
    df = pd.read_csv(out, parse_dates=["timestamp"])
    assert pd.DatetimeIndex(df["timestamp"]).equals(reg.y.index)
    assert reg.y.index.is_monotonic_increasing and reg.y.index.is_unique
    # the missing hours are interpolated by the detector, marked, never flagged
    assert df["imputed"].tolist() == reg.y.isna().tolist()
    assert df["imputed"].sum() == 3 and np.isfinite(df["score"]).all()
    assert not (df["anomaly"] & df["imputed"]).any()
    det = AnomalyDetector(nan_policy="interpolate").fit(reg.y.iloc[:300])
    assert df["anomaly"].tolist() == det.predict(reg.y).tolist()
    assert not df["duplicate"].any() and not df["step_back"].any()


@pytest.mark.parametrize("extra, match", [
    (["--threshold", 3, "--contamination", 0.01], "pass one of them"),
    (["--train", 1.5], "whole number"),
    (["--train", 10_000], "more than the 600 rows"),
    (["--train", 0], "--train 0.0 must be in (0, 1]"),
    (["--cooldown", -1], "--cooldown -1 must be >= 0"),
    (["--threshold", "nan"], "--threshold nan must be a finite score"),
    (["--freq", "fortnightly"], "fortnightly"),
])
def test_bad_options_are_one_line_errors(messy_csv, capsys, extra, match):
    path, _ = messy_csv
    assert run(path, *extra) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert match in err


def test_freq_needs_timestamps(tmp_path, capsys):
    path = tmp_path / "steps.csv"
    pd.DataFrame({"timestamp": np.arange(600), "value": values(600)}).to_csv(
        path, index=False)
    assert run(path, "--freq", "h") == 2
    assert "--freq needs timestamps" in capsys.readouterr().err


def nab_files():
    if not (NAB / "combined_windows.json").is_file():
        return []
    return sorted(NAB.glob("*/*.csv"))


@pytest.mark.slow
@pytest.mark.skipif(not nab_files(), reason="NAB data not found")
def test_every_nab_file_scores_as_published_without_options(tmp_path, capsys):
    # each file as NAB publishes it, the command's defaults only
    windows = json.loads((NAB / "combined_windows.json").read_text())
    files = nab_files()
    assert len(files) == len(windows)
    for path in files:
        out = tmp_path / f"{path.stem}.csv"
        assert run(path, "--out", out) == 0, capsys.readouterr().err
        raw = pd.read_csv(path)
        df = pd.read_csv(out)
        assert df["timestamp"].tolist() == raw["timestamp"].tolist(), path.name
        assert np.isfinite(df["score"]).all(), path.name

"""Forecasting and anomaly scores for pandas series, built on :mod:`reservoir`."""

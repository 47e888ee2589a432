"""Warning class of the forecasting package, so users can filter it."""


class ForecastingWarning(UserWarning):
    """A forecasting setting or result that deserves attention (few
    calibration residuals, a fallback strategy, an interpolated series)."""


__all__ = ["ForecastingWarning"]

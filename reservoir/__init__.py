"""Echo State Networks and recurrent networks for time series."""

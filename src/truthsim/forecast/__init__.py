"""Forecasts of a firm's own customers: from their histories, the days ahead, checked against a
holdout where one is cut."""

from truthsim.forecast.run import Forecast, forecast

__all__ = ["Forecast", "forecast"]

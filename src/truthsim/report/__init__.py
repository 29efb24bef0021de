"""The HTML report a strategist can open in a browser or print."""

from truthsim.report.html import build_report

__all__ = ["build_report"]

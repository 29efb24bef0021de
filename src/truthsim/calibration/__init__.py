"""Calibration: a firm's data files -> fitted parameters with intervals -> a calibrated scenario;
and synthetic data in the same formats, made from a scenario."""

from truthsim.calibration.calibrate import Calibration, calibrate, spread_forms
from truthsim.calibration.data import FILES, read_data
from truthsim.calibration.estimates import Draws, Fitted, Unidentified
from truthsim.calibration.synthesize import Synthetic, synthesize, write_synthetic

__all__ = [
    "FILES",
    "Calibration",
    "Draws",
    "Fitted",
    "Synthetic",
    "Unidentified",
    "calibrate",
    "read_data",
    "spread_forms",
    "synthesize",
    "write_synthetic",
]

"""Calibration: a firm's data files -> fitted parameters with intervals -> a calibrated scenario;
and synthetic data in the same formats, made from a scenario."""

from truthsim.calibration.calibrate import Calibration, calibrate, spread_forms
from truthsim.calibration.data import FILES, read_data
from truthsim.calibration.estimates import Draws, Fitted, Unidentified
from truthsim.calibration.firm import firm_base
from truthsim.calibration.firm_file import with_firm_base
from truthsim.calibration.synthesize import Synthetic, synthesize, write_synthetic

__all__ = [
    "FILES",
    "Calibration",
    "Draws",
    "Fitted",
    "Synthetic",
    "Unidentified",
    "calibrate",
    "firm_base",
    "read_data",
    "spread_forms",
    "synthesize",
    "with_firm_base",
    "write_synthetic",
]

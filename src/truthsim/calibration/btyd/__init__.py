"""Classic "buy till you die" customer-base models, as reference forecasts.

truthsim simulates why customers come back; these are the standard statistical models of
*whether* and *how often* they do, fitted to a transaction log alone. They serve as the
reference forecasts that truthsim's own retention and repeat-purchase forecasts are held
against, and as validation: fitted to published data sets they reproduce the published
estimates (CDNOW, donations; see tests/test_btyd.py).

- :mod:`.bgnbd`: BG/NBD (Fader, Hardie & Lee 2005), params (r, alpha, a, b);
- :mod:`.mbgnbd`: MBG/NBD (Batislam, Denizel & Filiztekin 2007), params (r, alpha, a, b);
- :mod:`.pareto_nbd`: Pareto/NBD (Schmittlein, Morrison & Colombo 1987), (r, alpha, s, beta);
- :mod:`.bgbb`: discrete-time BG/BB (Fader, Hardie & Shang 2010), (alpha, beta, gamma, delta).

Each model module has ``loglike``, ``fit``, ``expected``, ``conditional_expected``,
``p_alive`` and ``simulate``; :func:`summarise` turns a log into (x, t_x, T) and
:class:`Fit` carries estimates, covariance, standard errors and intervals.
"""

from truthsim.calibration.btyd import bgbb, bgnbd, mbgnbd, pareto_nbd
from truthsim.calibration.btyd.fitting import Fit
from truthsim.calibration.btyd.summary import Summary, holdout_counts, summarise

__all__ = [
    "Fit",
    "Summary",
    "bgbb",
    "bgnbd",
    "holdout_counts",
    "mbgnbd",
    "pareto_nbd",
    "summarise",
]

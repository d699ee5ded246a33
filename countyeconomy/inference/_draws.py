"""How many resampling draws are enough: one policy for every resampling routine.

* Fewer than :data:`MIN_DRAWS` (19) draws is an error. 19 is the smallest ``B`` for which a
  5%-level test can reject at all: a resampling p-value cannot be below ``1/(B+1)``, and
  ``1/(19+1) = 0.05`` (``alpha (B+1)`` is then an integer, the condition for an exact test,
  Davidson and MacKinnon 2000).
* Fewer than :data:`P_VALUE_DRAWS` (99) draws warns (:class:`FewDrawsWarning`): the p-value moves
  in steps of at least 0.01 and its Monte-Carlo error is large (sd 0.022 at p = 0.05, B = 99).
* Fewer than :data:`INTERVAL_DRAWS` (999) draws warns for routines that also report a confidence
  interval: a 95% interval rests on the 25 most extreme of 999 draws in each tail, and on
  fewer than three at B = 99.

Full enumeration (the wild bootstrap with few clusters) is exact, not a Monte-Carlo sample, and
is exempt; its resolution is reported by the wild bootstrap's own few-clusters warning.

References
----------
Davidson, R. and MacKinnon, J. G. (2000). Bootstrap tests: how many bootstraps? Econometric
Reviews 19(1), 55-68.
"""

from __future__ import annotations

import warnings

import numpy as np

from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError

__all__ = ["INTERVAL_DRAWS", "MIN_DRAWS", "P_VALUE_DRAWS", "FewDrawsWarning", "check_draws"]

MIN_DRAWS = 19
P_VALUE_DRAWS = 99
INTERVAL_DRAWS = 999


class FewDrawsWarning(CountyEconomyWarning):
    """A resampling p-value or interval rests on few draws; the message says how coarse it is."""


def check_draws(
    draws: object,
    *,
    caller: str,
    interval: bool,
    minimum: int = MIN_DRAWS,
    warn: bool = True,
    stacklevel: int = 3,
) -> int:
    """Validate ``draws=`` for ``caller``: an int of at least ``minimum``; warn when few.

    ``interval``: the routine also reports a confidence interval (warn below 999, not 99).
    ``warn=False`` only validates (for exact enumeration, which has no Monte-Carlo error).
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer):
        raise InvalidOptionError(f"{caller}: draws must be an int, got {draws!r}.")
    n = int(draws)
    if n < minimum:
        raise InvalidOptionError(
            f"{caller}: draws={n} is too few; at least {minimum} are needed (with B draws the "
            f"smallest p-value is 1/(B+1), and 1/({minimum}+1) = {1 / (minimum + 1):.3g}). Use "
            f"draws={P_VALUE_DRAWS} or more for a p-value"
            + (f", {INTERVAL_DRAWS} or more for an interval." if interval else ".")
        )
    if warn and (n < P_VALUE_DRAWS or (interval and n < INTERVAL_DRAWS)):
        parts = [f"the p-value cannot be below 1/({n}+1) = {1 / (n + 1):.3g}"]
        if interval:
            parts.append(f"each tail of a 95% interval holds {int(0.025 * (n + 1))} draw(s)")
        need = INTERVAL_DRAWS if interval else P_VALUE_DRAWS
        warnings.warn(
            f"{caller}: only {n} draws: {' and '.join(parts)}. Use draws={need} or more for "
            "results to report.",
            FewDrawsWarning,
            stacklevel=stacklevel,
        )
    return n

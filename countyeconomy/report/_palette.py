"""One colour per estimator, in every chart of the library.

A chart that colours by estimator builds its colour scale with :func:`color_scale`: names that
are estimators (the public function name, e.g. ``"att_gt"``, or a label that starts with it, such
as the registry title ``"att_gt (Callaway-Sant'Anna)"``, or a common label such as
``"Callaway-Sant'Anna"``) always get the colour of :data:`ESTIMATOR_COLORS`; any other name gets
the next theme colour not used by an estimator in the same chart. So ``att_gt`` is the same red
in :func:`~countyeconomy.compare_event_studies` charts, in :func:`~countyeconomy.coefplot`, in the
demo and in the robustness battery.

>>> from countyeconomy.report import estimator_color
>>> estimator_color("att_gt") == estimator_color("att_gt (Callaway-Sant'Anna)")
True
>>> estimator_color("a model of mine") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from countyeconomy.report._theme import PALETTE

__all__ = [
    "ESTIMATOR_COLORS",
    "TRUTH_COLOR",
    "color_range",
    "color_scale",
    "estimator_color",
    "estimator_key",
]

ESTIMATOR_COLORS: Mapping[str, str] = MappingProxyType(
    {
        # the static and the dynamic two-way fixed-effects regression share one colour
        "twfe": PALETTE[0],
        "event_study": PALETTE[0],
        "att_gt": PALETTE[1],
        "sun_abraham": PALETTE[2],
        "imputation_did": PALETTE[3],
        "did_multiplegt": PALETTE[4],
        "synthetic_did": PALETTE[6],
        "synthetic_control": PALETTE[7],
        "triple_did": PALETTE[8],
        "dose_did": PALETTE[9],
    }
)
"""Estimator (public function name) -> colour, in a stable order."""

TRUTH_COLOR = "#000000"
"""The colour of a known true effect (simulations) in every chart."""

_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "twfe": "twfe",
        "ols": "twfe",
        "reghdfe": "twfe",
        "event study": "event_study",
        "callaway-sant'anna": "att_gt",
        "callaway-santanna": "att_gt",
        "callaway_santanna": "att_gt",
        "cs": "att_gt",
        "csdid": "att_gt",
        "sun-abraham": "sun_abraham",
        "sa": "sun_abraham",
        "bjs": "imputation_did",
        "bjs imputation": "imputation_did",
        "imputation": "imputation_did",
        "did_imputation": "imputation_did",
        "dcdh": "did_multiplegt",
        "de chaisemartin-d'haultfoeuille": "did_multiplegt",
        "sdid": "synthetic_did",
    }
)

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_'\-]*")


def estimator_key(name: str) -> str | None:
    """The estimator a chart label names, or ``None``.

    A label names an estimator if it is the public function name, starts with it (``"att_gt
    (Callaway-Sant'Anna)"``), or is a common name of it (``"TWFE"``, ``"Sun-Abraham"``, ``"BJS"``),
    possibly followed by a parenthesised note (``"TWFE (static)"``).

    >>> estimator_key("imputation_did (BJS)"), estimator_key("TWFE (static)"), estimator_key("(1)")
    ('imputation_did', 'twfe', None)
    """
    text = str(name).strip()
    if text in ESTIMATOR_COLORS:
        return text
    head = text.split("(")[0].strip().lower()
    if head in ESTIMATOR_COLORS:
        return head
    if head in _ALIASES:
        return _ALIASES[head]
    first = _WORD.match(text)
    if first is not None and first.group(0) in ESTIMATOR_COLORS:
        return first.group(0)
    inner = re.findall(r"\(([^()]*)\)", text)
    for part in inner:
        key = _ALIASES.get(part.strip().lower())
        if key is not None:
            return key
    return None


def estimator_color(name: str) -> str | None:
    """The colour of the estimator that ``name`` names (see :func:`estimator_key`), else ``None``."""
    key = estimator_key(name)
    return None if key is None else ESTIMATOR_COLORS[key]


def color_range(names: Sequence[str]) -> list[str]:
    """The colour of each name: the estimator's colour, else the next unused theme colour."""
    fixed = [estimator_color(n) for n in names]
    used = {c for c in fixed if c is not None}
    spare = iter([c for c in PALETTE if c not in used] + list(PALETTE))
    return [c if c is not None else next(spare) for c in fixed]


def color_scale(names: Sequence[str]) -> Any:
    """An ``altair.Scale`` that gives each of ``names`` its colour (domain in the given order).

    >>> scale = color_scale(["att_gt (Callaway-Sant'Anna)", "my model"])
    >>> colours = scale.to_dict().get("range")
    >>> colours[0] == estimator_color("att_gt")
    True
    """
    import altair as alt

    domain = list(dict.fromkeys(str(n) for n in names))
    return alt.Scale(domain=domain, range=color_range(domain))

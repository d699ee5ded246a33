"""Moderation: the treatment interacted with a moderator, and the marginal effect of the
treatment across the moderator's range with delta-method confidence bands."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import check_option
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.estimators._mech_kernels import common_sample, needed_columns
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import Cluster, VcovSpec, resolve_vcov
from countyeconomy.panel import Panel
from countyeconomy.results import CoefResult, CoefTable, FitInfo, Summary

__all__ = ["ModerationResult", "moderation"]

Center = Literal["mean", "median"]


@dataclass(frozen=True, repr=False)
class ModerationResult(CoefResult):
    """Result of :func:`moderation`.

    The coefficients (``params``, ``std_errors``, ``to_frame()``, ...) are those of ``model``;
    ``info`` is its :class:`~countyeconomy.FitInfo` with ``method="moderation"`` and ``extra``
    adding ``treatment``, ``moderator``, ``center``, ``center_kind`` and ``level``.

    Attributes
    ----------
    model
        The interaction regression ``y ~ D + Z + D x Z + controls | absorb`` (``Z`` centred).
    marginal
        Marginal effect of the treatment over a grid of the moderator (raw units): columns
        ``moderator``, ``centered``, ``effect``, ``std_error``, ``ci_low``, ``ci_high``.
    moderator_values
        The moderator on the estimation rows (raw units; for the rug).
    terms
        Names of the treatment, moderator and interaction coefficients in ``model``; the
        moderator's entry is ``None`` when its main effect is absorbed by the fixed effects.
    center
        The value subtracted from the moderator (0 when not centred).
    level
        Confidence level of ``marginal``.
    """

    model: TWFEResult
    marginal: pd.DataFrame
    moderator_values: np.ndarray
    treatment: str
    moderator: str
    terms: tuple[str, str | None, str]
    center: float
    center_kind: str
    level: float
    info: FitInfo
    title: str = "Moderation (interaction) model"

    @property
    def coefs(self) -> CoefTable:  # type: ignore[override]
        """The coefficient table of the interaction regression."""
        return self.model.coefs

    def marginal_effect(
        self, values: Sequence[float] | np.ndarray, level: float = 0.95
    ) -> pd.DataFrame:
        """Marginal effect ``b1 + b3 (z - center)`` at moderator values ``z`` (raw units)."""
        return _marginal(self.model, self.terms, np.asarray(values, float), self.center, level)

    def summary(self) -> Summary:
        """The interaction regression with the centring and the effect range in the footer."""
        base = self.model.summary()
        m = self.marginal
        sig = m[(m["ci_low"] > 0) | (m["ci_high"] < 0)]
        region = (
            f"{sig['moderator'].min():.4g} to {sig['moderator'].max():.4g} (of grid)"
            if len(sig)
            else "nowhere on the grid"
        )
        foot = (
            *base.footer,
            ("Moderator", f"{self.moderator}, centred at {self.center:.4g} ({self.center_kind})"),
            (
                "Marginal effect of " + self.treatment,
                f"{m['effect'].iloc[0]:.4g} at {m['moderator'].iloc[0]:.4g} to "
                f"{m['effect'].iloc[-1]:.4g} at {m['moderator'].iloc[-1]:.4g}",
            ),
            (f"{int(self.level * 100)}% CI excludes 0", region),
        )
        return Summary(self.title, base.table, foot)

    def plot(self) -> Any:  # type: ignore[override]
        """Marginal effect line with its confidence band over the moderator, zero line, and a
        rug of the moderator's observed values along the bottom (an altair chart)."""
        import altair as alt

        from countyeconomy.report import themed

        m = self.marginal
        x = alt.X("moderator:Q", title=self.moderator)
        band = alt.Chart(m).mark_area(opacity=0.25).encode(x=x, y="ci_low:Q", y2="ci_high:Q")
        line = (
            alt.Chart(m)
            .mark_line(strokeWidth=2)
            .encode(
                x=x,
                y=alt.Y("effect:Q", title=f"Marginal effect of {self.treatment}"),
                tooltip=[
                    alt.Tooltip("moderator:Q", format=".3g"),
                    alt.Tooltip("effect:Q", format=".4f"),
                    alt.Tooltip("ci_low:Q", format=".4f"),
                    alt.Tooltip("ci_high:Q", format=".4f"),
                ],
            )
        )
        zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="#888")
        zero = zero.encode(y="y:Q")
        vals = self.moderator_values
        if len(vals) > 2000:  # thin the rug for large panels (deterministic quantiles)
            vals = np.quantile(vals, np.linspace(0, 1, 2000))
        rug = (  # ticks along the bottom edge: where the moderator's data are
            alt.Chart(pd.DataFrame({"moderator": vals}))
            .mark_tick(opacity=0.35, color="#555", thickness=1, size=10)
            .encode(x=x, y=alt.value(255))
        )
        chart = alt.layer(band, zero, line, rug).properties(
            title=f"Marginal effect of {self.treatment} across {self.moderator}"
        )
        return themed(chart)


def _marginal(
    model: TWFEResult,
    terms: tuple[str, str | None, str],
    z: np.ndarray,
    center: float,
    level: float,
) -> pd.DataFrame:
    from scipy import stats

    d, _, dz = terms
    names = list(model.params.index)
    i, j = names.index(d), names.index(dz)
    v = model.coefs.vcov
    b = model.coefs.estimates
    zc = z - center
    effect = b[i] + b[j] * zc
    var = v[i, i] + zc**2 * v[j, j] + 2 * zc * v[i, j]
    se = np.sqrt(np.clip(var, 0, None))
    dist = stats.norm() if model.info.df_t is None else stats.t(model.info.df_t)
    q = float(dist.ppf(0.5 + level / 2))
    return pd.DataFrame(
        {
            "moderator": z,
            "centered": zc,
            "effect": effect,
            "std_error": se,
            "ci_low": effect - q * se,
            "ci_high": effect + q * se,
        }
    )


def _absorbed_by(frame: pd.DataFrame, z: str, groups: list[list[str]]) -> str | None:
    """The first absorbed term within whose levels ``z`` is constant, if any."""
    for cols in groups:
        if frame.groupby(cols, sort=False)[z].nunique(dropna=True).max() <= 1:
            return "^".join(cols)
    return None


@renamed_kwargs("moderation", controls="covariates")
def moderation(
    data: Panel | pd.DataFrame,
    treatment: str,
    moderator: str,
    outcome: str,
    *,
    covariates: Sequence[str] = (),
    absorb: str | None = "county + year",
    center: Center | None = "mean",
    grid: int = 50,
    level: float = 0.95,
    vcov: str | VcovSpec = DEFAULT_VCOV,
    county: str | None = None,
    year: str | None = None,
) -> ModerationResult:
    """Interaction model and the treatment's marginal effect across a moderator.

    Fits ``y = b1 D + b2 Zc + b3 D x Zc + controls + FE`` with ``Zc = Z - center`` and reports
    ``dy/dD = b1 + b3 Zc`` over ``grid`` points spanning the moderator's observed range, with a
    delta-method interval from the full covariance:
    ``Var = V11 + Zc^2 V33 + 2 Zc V13``. Centring changes ``b1`` (the effect at the centre) but not
    ``b3``. A time-invariant moderator is absorbed by county effects: its main effect is then
    left out (announced) and ``D x Z`` is still identified.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or DataFrame (``county=``, ``year=`` name its keys).
    treatment, moderator, outcome
        Column names; the moderator must differ from the treatment.
    covariates
        Extra right-hand-side terms in the regression; formerly ``controls=``.
    absorb
        Absorbed fixed effects (``None``: none, with an intercept).
    center
        ``"mean"`` (default), ``"median"`` or ``None`` (raw moderator).
    grid
        Number of moderator values for the marginal-effect curve (at least 2).
    level
        Confidence level of the band.
    vcov
        Covariance (default clustered by county).

    Returns
    -------
    ModerationResult
        Frozen; ``marginal`` holds the curve, ``plot()`` draws it.

    Raises
    ------
    IdentificationError
        The moderator has no variation, or it (or its interaction) is collinear with the
        treatment.

    References
    ----------
    Brambor, T., Clark, W. R. and Golder, M. (2006). Understanding interaction models: improving
    empirical analyses. *Political Analysis* 14(1), 63-82. Jiang, T. (2022). 中国工业经济
    2022(5), 100-120 (moderation to strengthen a causal mechanism).

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.moderation import moderation
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = moderation(sim.panel, "policy", "log_gdp_pc", "log_rural_income", grid=5)
    >>> len(res.marginal)
    5
    """
    if center is not None:
        check_option("center", center, Center)
    if not isinstance(grid, int) or grid < 2:
        raise InvalidOptionError(f"grid={grid!r} must be an int of at least 2.")
    if not 0 < level < 1:
        raise InvalidOptionError(f"level={level!r} must be between 0 and 1.")
    if moderator == treatment:
        raise IdentificationError(
            f"moderator and treatment are the same column ({treatment!r}); a moderator is a "
            "different variable that changes the treatment's effect."
        )
    spec = resolve_vcov(vcov)
    fe_terms = [[c.strip() for c in t.split("^")] for t in (absorb or "").split("+") if t.strip()]
    clusters = list(spec.variables) if isinstance(spec, Cluster) else []
    cols = needed_columns([treatment, moderator, outcome, *covariates])
    cols += [c for t in fe_terms for c in t] + clusters
    obj, md, _ = common_sample(data, cols, county, year, what="moderation")
    z = md.frame[md.resolve(moderator)].to_numpy(dtype=float)
    if len(z) == 0 or np.nanstd(z) == 0:
        value = z[0] if len(z) else "nothing"
        raise IdentificationError(
            f"moderator {moderator!r} has no variation (every usable row is {value}); an "
            "interaction needs a moderator that differs across counties or years."
        )
    c = {"mean": float(np.mean(z)), "median": float(np.median(z)), None: 0.0}[center]
    zname = f"{moderator}_c" if center is not None else moderator
    iname = f"{treatment}_x_{zname}"
    frame = md.frame.assign(
        **{zname: z - c, iname: md.frame[md.resolve(treatment)].to_numpy(float) * (z - c)}
    )
    resolved = [[md.resolve(col) for col in t] for t in fe_terms]
    gone = _absorbed_by(frame, zname, resolved)
    if gone is not None:
        warnings.warn(
            f"moderator {moderator!r} is constant within {gone}: its main effect is absorbed by "
            f"the fixed effects and left out; the interaction is still identified.",
            CountyEconomyWarning,
            stacklevel=2,
        )
    rhs = " + ".join([treatment, *([zname] if gone is None else []), iname, *covariates])
    formula = f"{outcome} ~ {rhs}" + (f" | {absorb}" if absorb else "")
    new: Panel | pd.DataFrame = frame
    if isinstance(obj, Panel):
        new = Panel(frame, obj.county, obj.year, obj.key_codes)
    model = twfe(new, formula, county=county, year=year, vcov=spec)
    terms = (treatment, zname if gone is None else None, iname)
    lost = [t for t in terms if t is not None and t not in model.params.index]
    if lost:
        raise IdentificationError(
            f"moderator {moderator!r} is collinear with treatment {treatment!r} (given the "
            f"covariates and fixed effects): {lost} dropped, so the interaction is not "
            "identified. Use a moderator that varies independently of the treatment."
        )
    zs = z[model.estimation_rows]
    marginal = _marginal(model, terms, np.linspace(zs.min(), zs.max(), grid), c, level)
    kind = center if center is not None else "not centred"
    info = replace(
        model.info,
        method="moderation",
        extra={
            **model.info.extra,
            "treatment": treatment,
            "moderator": moderator,
            "center": c,
            "center_kind": kind,
            "level": level,
        },
    )
    return ModerationResult(model, marginal, zs, treatment, moderator, terms, c, kind, level, info)

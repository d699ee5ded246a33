"""Fixed-length confidence interval (FLCI) under the smoothness restriction ``Delta^SD(M)``.

``Delta^SD(M) = {delta : |(delta_{t+1} - delta_t) - (delta_t - delta_{t-1})| <= M}`` with the
reference period normalised to zero. An affine estimator ``v'betahat`` with ``v_post = l`` has
worst-case bias ``sup_{delta in Delta^SD(M)} |v'delta|``. Writing the second differences as
``D delta`` (``D`` of shape ``(T - 1, T)``), linear-programming duality gives
``sup v'delta = M * min{||u||_1 : D'u = v}``, and ``D'`` has full column rank, so every
admissible ``v`` is ``D'u`` for exactly one ``u``. The FLCI minimises the half-length
``sd(u) * cv_alpha(M ||u||_1 / sd(u))`` over ``u`` with ``D_post'u = l``, where ``cv_alpha(b)``
is the ``1 - alpha`` quantile of ``|N(b, 1)|`` (Armstrong and Kolesar 2018; Rambachan and Roth
2023, Section 4.1). The minimisation is exact up to numerical tolerance: for each bias budget
``B`` a convex quadratic programme gives the smallest variance, and a bounded scalar search over
``B`` minimises the half-length along that frontier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError

__all__ = ["FLCI", "folded_normal_cv", "optimal_flci", "second_differences"]


def second_differences(num_pre: int, num_post: int) -> FloatArray:
    """``(T - 1, T)`` second differences of ``delta`` with the reference period (zero) removed."""
    t = num_pre + num_post
    full = np.zeros((t - 1, t + 1))
    for j in range(t - 1):
        full[j, j : j + 3] = (1.0, -2.0, 1.0)
    return np.delete(full, num_pre, axis=1)


def folded_normal_cv(bias: float, alpha: float) -> float:
    """``1 - alpha`` quantile of ``|N(bias, 1)|``."""
    from scipy import stats

    return float(stats.foldnorm.ppf(1.0 - alpha, abs(bias)))


@dataclass(frozen=True)
class FLCI:
    """``estimate +/- half_length``; ``weights (T,)`` is ``v``, ``max_bias`` the worst-case bias
    and ``sd`` the estimator's standard deviation."""

    estimate: float
    half_length: float
    weights: FloatArray
    max_bias: float
    sd: float

    @property
    def interval(self) -> tuple[float, float]:
        return (self.estimate - self.half_length, self.estimate + self.half_length)


class _Frontier:
    """Smallest variance of ``v = D'u`` subject to ``D_post'u = l`` and ``||u||_1 <= B``."""

    def __init__(self, sigma: FloatArray, num_pre: int, l_vec: FloatArray) -> None:
        num_post = len(l_vec)
        self.d = second_differences(num_pre, num_post)
        self.eq = self.d[:, num_pre:].T  # (Tpost, T-1)
        self.l_vec = l_vec
        q = self.d @ sigma @ self.d.T
        self.scale = float(np.trace(q)) / q.shape[0]
        self.q = q / self.scale
        self.n = q.shape[0]

    def _unconstrained(self) -> FloatArray:
        """Minimum-variance ``u`` with the equality constraints only (KKT system)."""
        n, p = self.n, self.eq.shape[0]
        kkt = np.block([[2 * self.q, self.eq.T], [self.eq, np.zeros((p, p))]])
        rhs = np.r_[np.zeros(n), self.l_vec]
        sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
        return np.asarray(sol[:n], dtype=np.float64)

    def min_l1(self) -> float:
        """Smallest ``||u||_1`` that meets the equality constraints (a linear programme)."""
        from scipy import optimize

        n = self.n
        res = optimize.linprog(
            np.ones(2 * n),
            A_eq=np.hstack([self.eq, -self.eq]),
            b_eq=self.l_vec,
            bounds=[(0, None)] * (2 * n),
            method="highs",
        )
        if not res.success:
            raise IdentificationError(f"the FLCI bias programme failed: {res.message}")
        return float(res.fun)

    def solve(self, budget: float, start: FloatArray) -> FloatArray:
        """``u`` of smallest variance with ``||u||_1 <= budget`` (SLSQP on ``u = p - n``)."""
        from scipy import optimize

        n = self.n
        q2 = np.block([[self.q, -self.q], [-self.q, self.q]])
        x0 = np.r_[np.clip(start, 0, None), np.clip(-start, 0, None)]
        res = optimize.minimize(
            lambda z: float(z @ q2 @ z),
            x0,
            jac=lambda z: 2 * q2 @ z,
            method="SLSQP",
            bounds=[(0, None)] * (2 * n),
            constraints=[
                {"type": "eq", "fun": lambda z: np.hstack([self.eq, -self.eq]) @ z - self.l_vec},
                {"type": "ineq", "fun": lambda z: budget - z.sum()},
            ],
            options={"ftol": 1e-15, "maxiter": 500},
        )
        z = res.x
        return np.asarray(z[:n] - z[n:], dtype=np.float64)

    def sd(self, u: FloatArray) -> float:
        return float(np.sqrt(max(u @ self.q @ u, 0.0) * self.scale))


def optimal_flci(
    betahat: FloatArray, sigma: FloatArray, num_pre: int, l_vec: FloatArray, m: float, alpha: float
) -> FLCI:
    """The FLCI for ``l'tau`` under ``Delta^SD(m)`` (see the module docstring)."""
    from scipy import optimize

    fr = _Frontier(sigma, num_pre, l_vec)
    u_var = fr._unconstrained()
    b_hi = float(np.abs(u_var).sum())
    if m == 0.0:
        u = u_var
    else:
        b_lo = fr.min_l1()
        found: dict[float, FLCI] = {}

        def half(budget: float) -> float:
            u_b = fr.solve(budget, u_var) if budget < b_hi else u_var
            found[budget] = _build(fr, u_b, betahat, m, alpha)
            return found[budget].half_length

        if b_hi - b_lo <= 1e-12 * max(b_hi, 1.0):
            half(b_hi)
        else:
            grid = np.linspace(b_lo, b_hi, 9)
            j = int(np.argmin([half(float(b)) for b in grid]))
            lo, hi = float(grid[max(j - 1, 0)]), float(grid[min(j + 1, len(grid) - 1)])
            optimize.minimize_scalar(
                half, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9 * b_hi}
            )
        return min(found.values(), key=lambda f: f.half_length)
    return _build(fr, u, betahat, m, alpha)


def _build(fr: _Frontier, u: FloatArray, betahat: FloatArray, m: float, alpha: float) -> FLCI:
    v = fr.d.T @ u
    s = fr.sd(u)
    bias = m * float(np.abs(u).sum())
    return FLCI(
        estimate=float(v @ betahat),
        half_length=s * folded_normal_cv(bias / s, alpha),
        weights=v,
        max_bias=bias,
        sd=s,
    )

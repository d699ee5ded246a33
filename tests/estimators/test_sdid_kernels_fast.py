"""The fast synthetic-DID kernels equal the reference ones.

``frank_wolfe`` (half-gradient updated in place under a running scale) against the kernel as
it was before the speed-up (kept below as ``_reference_frank_wolfe``; it is the one the
diff-diff and Prop 99 references were matched with), through the two-pass sparsified ``sc_weights`` and its
``min_decrease`` stopping rule; and the placebo draws solved inside one Gram matrix of all
controls (``placebo_rows``) against the draw-by-draw ``fit_cohorts`` loop.
"""

from __future__ import annotations

import numpy as np
import pytest

from countyeconomy.estimators.synthetic import _sdid_kernels as k
from countyeconomy.estimators.synthetic._sdid_design import fit_cohorts
from countyeconomy.estimators.synthetic._sdid_placebo import placebo_rows

TOL = 1e-10


def _reference_frank_wolfe(
    y: np.ndarray,
    zeta: float,
    *,
    intercept: bool,
    init: np.ndarray | None,
    min_decrease: float,
    max_iter: int,
) -> np.ndarray:
    """The kernel before the speed-up (Gram form, ``x`` and ``G x`` rescaled every step); it
    matches diff-diff 3.13.0 and R synthdid (tests/estimators/test_synthetic_did.py)."""
    n, k1 = y.shape
    kk = k1 - 1
    x = np.full(kk, 1.0 / kk) if init is None else np.array(init, dtype=float)
    eta = n * zeta**2
    gram, c, bb = k.gram_form(y, intercept)
    gx = gram @ x
    q, cx, xx = float(x @ gx), float(c @ x), float(x @ x)
    prev = np.inf
    for t in range(max_iter):
        half_grad = gx - c + eta * x
        i = int(np.argmin(half_grad))
        xi, gxi = float(x[i]), float(gx[i])
        if xi == 1.0 and xx == 1.0:
            break
        hg_dx = float(half_grad[i]) - (q - cx + eta * xx)
        derr2 = float(gram[i, i]) - 2.0 * gxi + q
        dx2 = 1.0 - 2.0 * xi + xx
        denom = derr2 + eta * dx2
        step = -hg_dx / denom if denom > 0 else 0.0
        s = min(1.0, max(0.0, step))
        r = 1.0 - s
        q = r * r * q + 2.0 * s * r * gxi + s * s * float(gram[i, i])
        xx = r * r * xx + 2.0 * s * r * xi + s * s
        cx = r * cx + s * float(c[i])
        x *= r
        x[i] += s
        gx *= r
        gx += s * gram[i]
        val = zeta**2 * xx + (q - 2.0 * cx + bb) / n
        if t >= 1 and prev - val <= min_decrease**2:
            break
        prev = val
    return x


def _reference_sc_weights(
    y: np.ndarray, zeta: float, *, intercept: bool, min_decrease: float
) -> np.ndarray:
    first = _reference_frank_wolfe(
        y, zeta, intercept=intercept, init=None, min_decrease=min_decrease, max_iter=100
    )
    first = np.where(first <= first.max() / 4.0, 0.0, first)
    return _reference_frank_wolfe(
        y,
        zeta,
        intercept=intercept,
        init=first / first.sum(),
        min_decrease=min_decrease,
        max_iter=k.MAX_ITER,
    )


@pytest.mark.parametrize("seed", range(16))
def test_sc_weights_equal_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 25)), int(rng.integers(2, 120))
    y = rng.normal(size=(n, m + 1)).cumsum(axis=0) + rng.normal(size=(1, m + 1))
    zeta = float(rng.choice([0.0, 1e-6, 0.3, 2.0]))
    # min_decrease as synthdid sets it (1e-5 sigma); far smaller, the stopping rule compares the
    # decrease with rounding noise and no two kernels stop at the same step
    md = float(rng.choice([1e-6, 1e-5, 1e-3]))
    for intercept in (True, False):
        new = k.sc_weights(y, zeta, intercept=intercept, init=None, min_decrease=md)
        ref = _reference_sc_weights(y, zeta, intercept=intercept, min_decrease=md)
        np.testing.assert_allclose(new, ref, rtol=0, atol=TOL)
        gram, c, bb = k.gram_form(y, intercept)
        init = np.full(m, 1.0 / m)
        for max_iter in (7, k.MAX_ITER):
            ref = _reference_frank_wolfe(
                y, zeta, intercept=intercept, init=None, min_decrease=md, max_iter=max_iter
            )
            for compiled in (False, True):  # numpy loop, and the numba loop when installed
                one = k.frank_wolfe_gram(
                    gram, c, bb, n, zeta, init, min_decrease=md, max_iter=max_iter,
                    compiled=compiled,
                )  # fmt: skip
                np.testing.assert_allclose(one, ref, rtol=0, atol=TOL)


def test_vertex_jump_and_blocked_coordinates() -> None:
    # a target equal to one column: the first step jumps to that vertex (step 1)
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 5))
    y = np.column_stack([a, a[:, 2]])
    x = k.frank_wolfe(y, 0.0, intercept=False, init=None, min_decrease=1e-12, max_iter=50)
    ref = _reference_frank_wolfe(
        y, 0.0, intercept=False, init=None, min_decrease=1e-12, max_iter=50
    )
    np.testing.assert_allclose(x, ref, rtol=0, atol=TOL)
    # blocked coordinates: the problem restricted to the others
    gram, c, bb = k.gram_form(y, False)
    init = np.array([0.5, 0.0, 0.0, 0.5, 0.0])
    blocked = np.array([1, 2, 4])
    keep = np.array([0, 3])
    sub = _reference_frank_wolfe(
        y[:, [0, 3, 5]], 0.1, intercept=False, init=init[keep], min_decrease=1e-6, max_iter=200
    )
    for compiled in (False, True):
        full = k.frank_wolfe_gram(
            gram, c, bb, 6, 0.1, init, min_decrease=1e-6, max_iter=200, blocked=blocked,
            compiled=compiled,
        )  # fmt: skip
        assert np.all(full[blocked] == 0.0)
        np.testing.assert_allclose(full[keep], sub, rtol=0, atol=TOL)


def test_compiled_loop_is_optional() -> None:
    """Without numba the numpy loop runs; with it, both loops give the same weights, with and
    without blocked coordinates, at sizes that are and are not multiples of the lane count."""
    from countyeconomy.estimators.synthetic._sdid_fw_jit import fw_loop

    if fw_loop() is None:
        pytest.skip("numba is not installed: only the numpy loop exists")
    rng = np.random.default_rng(9)
    for m in (399, 2 * 32 * 7):
        y = rng.normal(size=(12, m + 1)).cumsum(axis=0)
        gram, c, bb = k.gram_form(y, True)
        blocked = rng.choice(m, size=5, replace=False)
        for blk in (None, blocked):
            init = np.full(m, 1.0)
            if blk is not None:
                init[blk] = 0.0
            init /= init.sum()
            a, b = (
                k.frank_wolfe_gram(gram, c, bb, 12, 0.5, init, min_decrease=1e-5,
                                   max_iter=3000, blocked=blk, compiled=flag)
                for flag in (False, True)
            )  # fmt: skip
            np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


@pytest.mark.parametrize("size", [1, 2, 31, 32, 33, 95, 640, 2781])
def test_lane_argmin_is_numpy_argmin(size: int) -> None:
    """The compiled lane-wise argmin returns numpy's first minimum, ties and blocked (inf)
    entries included."""
    from countyeconomy.estimators.synthetic._sdid_fw_jit import lane_argmin

    rng = np.random.default_rng(size)
    for _ in range(40):
        h = np.round(rng.normal(size=size), 1)  # many ties
        h[rng.integers(0, size, size=max(1, size // 10))] = np.inf
        h[rng.integers(0, size)] = -1.0 if rng.random() < 0.5 else h[0]
        assert lane_argmin(h) == int(np.argmin(h))


@pytest.mark.parametrize(
    ("variant", "cohorts", "seed"),
    [("sdid", (6,), 0), ("sdid", (5, 7), 1), ("sc", (6,), 2), ("sc", (4, 8), 3)],
)
def test_placebo_rows_equal_draw_by_draw(
    variant: k.Variant, cohorts: tuple[int, ...], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    n, t, n_tr = 60, 10, 4
    years = np.arange(t)
    y = rng.normal(size=(n, 1)) + rng.normal(size=(n, 2)) @ rng.normal(size=(2, t)).cumsum(1)
    y = y + rng.normal(0, 0.5, (n, t))
    g = np.zeros(n, dtype=np.int64)
    g[n - n_tr :] = [cohorts[i % len(cohorts)] for i in range(n_tr)]
    full = fit_cohorts(y, g, years, variant)
    zetas = {a: (f.zeta_omega, f.zeta_lambda) for a, f in zip(full.cohorts, full.fits, strict=True)}
    controls = np.flatnonzero(g == 0)
    treated_g = g[g != 0]
    n0 = len(controls) - n_tr
    perms = [rng.permutation(controls) for _ in range(5)]
    fast = placebo_rows(y, controls, perms, treated_g, years, variant, zetas, full.cohorts)
    for j, perm in enumerate(perms):
        g_draw = np.concatenate([np.zeros(n0, dtype=np.int64), treated_g])
        ref = fit_cohorts(y[perm], g_draw, years, variant, zetas=zetas)
        np.testing.assert_allclose(fast[j], ref.estimates(), rtol=0, atol=TOL)


def test_threads_asking_for_the_compiled_loop_at_once() -> None:
    """Draws on a thread pool may be the first to ask for the compiled loop: in a fresh
    interpreter, eight threads released together all get it (without the lock, seven raised
    numba's "jit decorator was called on an already jitted function")."""
    import subprocess
    import sys

    code = """
import threading
from countyeconomy.estimators.synthetic import _sdid_fw_jit as J
errors = []
barrier = threading.Barrier(8)
def ask():
    barrier.wait()
    try:
        J.fw_loop()
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=ask) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors), len(J._COMPILED))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1"], out.stdout + out.stderr

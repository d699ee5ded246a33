"""Demeaning kernels against an independent sparse least-squares solve (scipy lsqr)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spl

from countyeconomy.linalg import demean, factorize, ols, singleton_mask


def _reference(x: np.ndarray, factors: list[np.ndarray], w: np.ndarray | None) -> np.ndarray:
    """Residuals of x on dummy matrices, solved by scipy lsqr on sqrt(w)-scaled data."""
    n = len(x)
    d = sp.hstack(
        [sp.csr_matrix((np.ones(n), (np.arange(n), factorize(f).codes))) for f in factors]
    ).tocsr()
    sw = np.ones(n) if w is None else np.sqrt(w)
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        coef = spl.lsqr(sp.diags(sw) @ d, sw * x[:, j], atol=1e-15, btol=1e-15, iter_lim=200_000)[0]
        out[:, j] = x[:, j] - d @ coef
    return out


@pytest.mark.parametrize("n_factors", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_demean_matches_sparse_least_squares(n_factors: int, weighted: bool) -> None:
    rng = np.random.default_rng(n_factors + 10 * weighted)
    n = 3000
    facs = [rng.integers(0, 300, n), rng.integers(0, 12, n), rng.integers(0, 40, n)][:n_factors]
    x = rng.normal(size=(n, 3)) + facs[0][:, None] * 0.01
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    got = demean(x, [factorize(f) for f in facs], w)
    assert got.converged
    np.testing.assert_allclose(got.values, _reference(x, facs, w), atol=1e-8)


def test_exact_and_iterative_paths_agree_unbalanced() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    a, b = rng.integers(0, 2000, n), rng.integers(0, 15, n)
    x = rng.normal(size=(n, 2))
    fa, fb = factorize(a), factorize(b)
    exact = demean(x, [fa, fb])
    assert exact.method == "schur"
    iterative = demean(x, [fa, fb], method="map", tol=1e-14)
    assert iterative.method == "map"
    np.testing.assert_allclose(exact.values, iterative.values, atol=1e-10)


def test_balanced_closed_form_equals_iterative() -> None:
    rng = np.random.default_rng(2)
    n_i, n_t = 300, 8
    a = np.repeat(np.arange(n_i), n_t)
    b = np.tile(np.arange(n_t), n_i)
    perm = rng.permutation(n_i * n_t)
    x = rng.normal(size=(n_i * n_t, 2))
    fa, fb = factorize(a[perm]), factorize(b[perm])
    closed = demean(x, [fa, fb])
    assert closed.method == "balanced"
    np.testing.assert_allclose(
        closed.values, demean(x, [fa, fb], method="map", tol=1e-14).values, atol=1e-10
    )


def test_ols_drops_collinear_and_matches_lstsq() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 3))
    x = np.column_stack([x, x[:, 0] - 2 * x[:, 2]])
    y = x[:, :3] @ [1.0, -2.0, 0.5] + rng.normal(size=500)
    fit = ols(x, y)
    assert fit.dropped.tolist() == [3]
    np.testing.assert_allclose(fit.params, np.linalg.lstsq(x[:, :3], y, rcond=None)[0], rtol=1e-10)


def test_singletons_found_iteratively() -> None:
    # county 3 has one row (singleton); once dropped, year 2012 has one row left (new singleton)
    a = factorize([1, 1, 2, 2, 3, 4, 4])
    b = factorize([2010, 2011, 2010, 2011, 2012, 2012, 2010])
    drop = singleton_mask([a, b])
    assert drop.tolist() == [False, False, False, False, True, True, True]

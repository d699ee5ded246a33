"""Correlation and balance tables of a paper (``corr2docx``, ``t2docx``), as report Tables."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy.errors import (
    IdentificationError,
    InputTypeError,
    InvalidOptionError,
    RowsDroppedWarning,
)
from countyeconomy.panel._panel import Panel
from countyeconomy.panel._validate import check_columns, describe_values, numeric_column
from countyeconomy.report import STARS, Table, check_stars, star_legend, stars_for

__all__ = ["balance_table", "correlation_table", "source_frame", "variable_label"]


def source_frame(data: Panel | pd.DataFrame, caller: str) -> pd.DataFrame:
    """The rows of ``data`` (a Panel or a DataFrame), or :class:`InputTypeError`."""
    if isinstance(data, Panel):
        return data.frame
    if isinstance(data, pd.DataFrame):
        return data
    raise InputTypeError(
        f"{caller}() takes a countyeconomy.Panel or a pandas DataFrame, got "
        f"{type(data).__module__}.{type(data).__qualname__}."
    )


def variable_label(column: str, labels: Mapping[str, str], units: Mapping[str, str]) -> str:
    """``labels[column]`` (or the column name), with its unit in parentheses when known.

    >>> variable_label("inc", {"inc": "农村收入"}, {"inc": "元"})
    '农村收入 (元)'
    """
    text = str(labels.get(column, column))
    unit = str(units.get(column, "") or "")
    return f"{text} ({unit})" if unit and unit not in text else text


def _columns(frame: pd.DataFrame, columns: Sequence[str] | str, caller: str) -> list[str]:
    cols = [columns] if isinstance(columns, str) else list(columns)
    if not cols:
        raise InvalidOptionError(f"{caller}(): give at least one column, e.g. columns=['y', 'x'].")
    check_columns(frame, cols)
    return cols


def correlation_table(
    data: Panel | pd.DataFrame,
    columns: Sequence[str],
    *,
    method: Literal["pearson", "spearman"] = "pearson",
    vif: bool = False,
    labels: Mapping[str, str] | None = None,
    digits: int = 3,
    stars: Sequence[float] = STARS,
) -> Table:
    """Lower-triangular correlation matrix with significance stars (``corr2docx``).

    Rows with a missing value in any of ``columns`` are left out (listwise, as Stata's
    ``corr``), counted in the notes and announced with ``RowsDroppedWarning``. The p-value of
    each coefficient is the t test with ``n - 2`` degrees of freedom (as ``pwcorr, sig`` and
    ``scipy.stats.pearsonr``; for Spearman, as ``scipy.stats.spearmanr``).

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or a DataFrame.
    columns
        Numeric columns, in the order of the rows.
    method
        ``"pearson"`` or ``"spearman"`` (Pearson on average ranks).
    vif
        Add a column of variance inflation factors, ``1 / (1 - R²_j)`` from regressing each
        column on the others with a constant (the diagonal of the inverse correlation matrix;
        the same as statsmodels' ``variance_inflation_factor`` with a constant in the design).
    labels
        Column -> text shown (Chinese or English); units from the panel's metadata
        (``frame.attrs["units"]``, set by ``read_panel``) are added in parentheses.
    digits, stars
        Decimals, and the p-value thresholds for one, two and three stars.

    Returns
    -------
    countyeconomy.report.Table
        Rows ``(1) label``, columns ``(1)``, ``(2)``, ... (and ``VIF``); ``data`` holds the
        matrices ``data["r"]`` and ``data["p_value"]`` (and the ``data["vif"]`` column).

    Raises
    ------
    FormulaError
        A column does not exist.
    NonNumericError
        A column holds text that is not a number.
    IdentificationError
        Fewer than three complete rows, a constant column, or (with ``vif``) perfectly
        collinear columns.

    Examples
    --------
    >>> import pandas as pd
    >>> import countyeconomy as ce
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 6], "x": [2.0, 1, 4, 3, 5]})
    >>> t = ce.correlation_table(df, ["y", "x"])
    >>> t.body.loc["(2) x", "(1)"]
    '0.822*'
    """
    from scipy import stats as st

    labels = dict(labels or {})
    check_stars(stars)
    if method not in ("pearson", "spearman"):
        raise InvalidOptionError(f"method={method!r}: use 'pearson' or 'spearman'.")
    frame = source_frame(data, "correlation_table")
    cols = _columns(frame, columns, "correlation_table")
    if len(set(cols)) != len(cols):
        raise InvalidOptionError(f"columns repeat a name: {cols}.")
    values = pd.DataFrame({c: numeric_column(frame, c) for c in cols})
    complete = np.isfinite(values.to_numpy()).all(axis=1)
    n_drop = int((~complete).sum())
    if n_drop:
        warnings.warn(
            f"correlation_table dropped {n_drop:,} of {len(values):,} rows with a missing or "
            f"non-finite value in {describe_values(cols)} (listwise).",
            RowsDroppedWarning,
            stacklevel=2,
        )
    x = values.to_numpy()[complete]
    n = len(x)
    if n < 3:
        raise IdentificationError(
            f"correlation_table needs at least 3 complete rows; {n} remain after dropping rows "
            "with missing values."
        )
    if method == "spearman":
        x = np.column_stack([st.rankdata(x[:, j]) for j in range(x.shape[1])])
    sd = x.std(axis=0)
    constant = [c for c, s in zip(cols, sd, strict=True) if not s > 0]
    if constant:
        raise IdentificationError(
            f"column(s) {describe_values(constant)} are constant in the complete rows; their "
            "correlation is undefined. Leave them out."
        )
    r = np.clip(np.corrcoef(x, rowvar=False), -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt((n - 2) / np.clip(1.0 - r**2, 0.0, None))
    p = np.where(np.abs(r) >= 1.0, 0.0, 2 * st.t.sf(np.abs(t), n - 2))
    k = len(cols)
    names = [f"({i + 1}) {variable_label(c, labels, _units(frame))}" for i, c in enumerate(cols)]
    heads = [f"({j + 1})" for j in range(k)]
    body = pd.DataFrame("", index=names, columns=heads, dtype=object)
    for i in range(k):
        body.iloc[i, i] = f"{1:.{digits}f}"
        for j in range(i):
            body.iloc[i, j] = f"{r[i, j]:.{digits}f}{stars_for(float(p[i, j]), stars)}"
    num = pd.concat(
        {"r": pd.DataFrame(r, index=cols, columns=cols), "p_value": pd.DataFrame(p, cols, cols)},
        axis=1,
    )
    if vif:
        factors = _vif(r, cols)
        body[str(labels.get("VIF", "VIF"))] = [f"{v:.2f}" for v in factors]
        num[("vif", "")] = factors
    kind = "Pearson" if method == "pearson" else "Spearman rank"
    notes = [
        f"{kind} correlations, N = {n:,}"
        + (f" ({n_drop:,} rows with missing values left out)." if n_drop else "."),
        star_legend(stars),
    ]
    if vif:
        notes.append("VIF: variance inflation factor, 1/(1 - R2) of each variable on the others.")
    title = "Correlation matrix" if method == "pearson" else "Spearman correlation matrix"
    return Table(body, notes=tuple(notes), title=title, label="tab:correlation", data=num)


def _units(frame: pd.DataFrame) -> dict[str, str]:
    units = frame.attrs.get("units", {})
    return {str(k): str(v) for k, v in units.items()} if isinstance(units, Mapping) else {}


def _vif(r: np.ndarray, cols: list[str]) -> np.ndarray:
    """Diagonal of the inverse correlation matrix; an error for collinear columns."""
    if np.linalg.cond(r) > 1e12:
        raise IdentificationError(
            f"vif=True: the columns {describe_values(cols)} are (nearly) perfectly collinear, so "
            "a variance inflation factor is infinite. Leave one of the collinear columns out."
        )
    return np.asarray(np.diag(np.linalg.inv(r)), dtype=float)


def balance_table(
    data: Panel | pd.DataFrame,
    columns: Sequence[str],
    *,
    by: str,
    groups: Sequence[object] | None = None,
    welch: bool = False,
    labels: Mapping[str, str] | None = None,
    digits: int = 3,
    stars: Sequence[float] = STARS,
) -> Table:
    """Group means, their difference and its t-test, in the layout of Stata's ``t2docx``.

    For each column: N and mean in the first and the second group, the difference
    ``mean(first) - mean(second)`` with stars, and the t statistic. The test is the two-sample
    t-test with pooled variance (Stata ``ttest x, by(g)``, the default of ``t2docx``;
    ``scipy.stats.ttest_ind(equal_var=True)``) or, with ``welch=True``, Welch's test with
    unequal variances and Satterthwaite's degrees of freedom (``ttest x, by(g) unequal``;
    ``equal_var=False``). Missing values are left out per column (the N columns show how many
    remain); rows whose ``by`` value is missing are dropped with ``RowsDroppedWarning``.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or a DataFrame (select a baseline year first, e.g.
        ``panel.frame.query("year == 2010")``, for a pre-treatment balance table).
    columns
        Numeric columns to compare.
    by
        The column holding the groups.
    groups
        The two groups to compare, first then second (default: the two values of ``by``,
        sorted, as Stata orders them).
    welch
        Welch's unequal-variance test instead of the pooled-variance test.
    labels
        Column -> text shown; also group values (e.g. ``{"1": "Treated", "0": "Control"}``)
        and the header words ``"N"``, ``"Mean"``, ``"Difference"`` and ``"t"``.
    digits, stars
        Decimals, and the p-value thresholds for the difference's stars.

    Returns
    -------
    countyeconomy.report.Table
        ``data`` has per column: n_1, mean_1, sd_1, n_2, mean_2, sd_2, difference, std_error,
        statistic, df and p_value.

    Raises
    ------
    FormulaError
        A column or ``by`` does not exist.
    InvalidOptionError
        ``by`` does not have exactly two groups and ``groups`` is not given, or ``groups`` names
        a value that does not occur.

    Examples
    --------
    >>> import pandas as pd
    >>> import countyeconomy as ce
    >>> df = pd.DataFrame({"g": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 7]})
    >>> ce.balance_table(df, ["x"], by="g").body.loc["x", "Difference"]
    '-3.333**'
    """
    labels = dict(labels or {})
    check_stars(stars)
    frame = source_frame(data, "balance_table")
    cols = _columns(frame, columns, "balance_table")
    check_columns(frame, [by])
    key = frame[by]
    if key.isna().any():
        warnings.warn(
            f"balance_table dropped {int(key.isna().sum()):,} rows whose {by!r} is missing.",
            RowsDroppedWarning,
            stacklevel=2,
        )
    present = list(pd.unique(key.dropna()))
    g1, g2 = _two_groups(present, groups, by)
    rows = []
    for c in cols:
        x = numeric_column(frame, c)
        a = x[(key == g1).to_numpy()].dropna().to_numpy()
        b = x[(key == g2).to_numpy()].dropna().to_numpy()
        rows.append({"column": c, **_ttest(a, b, welch)})
    num = pd.DataFrame(rows).set_index("column")

    def word(w: str) -> str:
        return str(labels.get(w, w))

    def group(g: object) -> str:
        return str(labels.get(str(g), g))

    n_, mean_ = word("N"), word("Mean")
    heads = [f"{n_} ({group(g1)})", f"{mean_} ({group(g1)})"]
    heads += [f"{n_} ({group(g2)})", f"{mean_} ({group(g2)})", word("Difference"), word("t")]
    body = pd.DataFrame(
        [
            [
                f"{int(s['n_1'])}",
                _num(s["mean_1"], digits),
                f"{int(s['n_2'])}",
                _num(s["mean_2"], digits),
                _num(s["difference"], digits) + stars_for(float(s["p_value"]), stars),
                _num(s["statistic"], digits),
            ]
            for _, s in num.iterrows()
        ],
        index=[variable_label(c, labels, _units(frame)) for c in cols],
        columns=heads,
    )
    test = (
        "Welch's t-test with unequal variances"
        if welch
        else "two-sample t-test with pooled variance"
    )
    notes = (f"Difference = mean({group(g1)}) - mean({group(g2)}); {test}. {star_legend(stars)}",)
    return Table(body, notes=notes, title="Balance test", label="tab:balance", data=num)


def _num(v: float, digits: int) -> str:
    return f"{v:.{digits}f}" if np.isfinite(v) else ""


def _two_groups(
    present: list[object], groups: Sequence[object] | None, by: str
) -> tuple[object, object]:
    if groups is None:
        if len(present) != 2:
            raise InvalidOptionError(
                f"balance_table compares two groups; column {by!r} has {len(present)} "
                f"value(s): {describe_values(sorted(present, key=str))}. Pass groups=(a, b)."
            )
        try:
            ordered = sorted(present)  # type: ignore[type-var]
        except TypeError:
            ordered = sorted(present, key=str)
        return ordered[0], ordered[1]
    chosen = list(groups)
    if len(chosen) != 2 or chosen[0] == chosen[1]:
        raise InvalidOptionError(f"groups={groups!r}: give two different values of {by!r}.")
    absent = [g for g in chosen if g not in present]
    if absent:
        raise InvalidOptionError(
            f"groups={groups!r}: {describe_values(absent)} not found in column {by!r}; it has "
            f"{describe_values(sorted(present, key=str))}."
        )
    return chosen[0], chosen[1]


def _ttest(a: np.ndarray, b: np.ndarray, welch: bool) -> dict[str, float]:
    """Means, SDs, difference and the two-sample t test (pooled or Welch)."""
    from scipy import stats as st

    n1, n2 = len(a), len(b)
    m1 = float(a.mean()) if n1 else np.nan
    m2 = float(b.mean()) if n2 else np.nan
    v1 = float(a.var(ddof=1)) if n1 > 1 else np.nan
    v2 = float(b.var(ddof=1)) if n2 > 1 else np.nan
    if welch:
        q1, q2 = v1 / n1 if n1 else np.nan, v2 / n2 if n2 else np.nan
        se = float(np.sqrt(q1 + q2))
        df = (q1 + q2) ** 2 / (q1**2 / (n1 - 1) + q2**2 / (n2 - 1)) if n1 > 1 < n2 else np.nan
    else:
        df = float(n1 + n2 - 2)
        pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df if df > 0 else np.nan
        se = float(np.sqrt(pooled * (1 / n1 + 1 / n2))) if n1 and n2 else np.nan
    diff = m1 - m2
    ok = np.isfinite(se) and se > 0 and np.isfinite(df)
    t = diff / se if ok else np.nan
    p = float(2 * st.t.sf(abs(t), df)) if ok else np.nan
    return {
        "n_1": float(n1),
        "mean_1": m1,
        "sd_1": float(np.sqrt(v1)),
        "n_2": float(n2),
        "mean_2": m2,
        "sd_2": float(np.sqrt(v2)),
        "difference": diff,
        "std_error": se,
        "statistic": t,
        "df": float(df),
        "p_value": p,
    }

"""Stored reference numbers for TWFE on mpdta, with the commands that produced them.

Data: mpdta.csv from d2cml-ai/csdid @ ca91c1fef4974bde0d973d7f4195328414130c92 (same values as the R
package ``did``), ``post = (first.treat > 0) & (year >= first.treat)``.

Produced with pyfixest 0.60.0 (Python 3.11, 2026-11-29)::

    import pandas as pd, pyfixest as pf
    df = pd.read_csv("mpdta.csv")
    df["post"] = ((df["first.treat"] > 0) & (df.year >= df["first.treat"])).astype(int)
    pf.feols("lemp ~ post | countyreal + year", data=df, vcov=VCOV)

with ``VCOV`` as in each key below. R ``fixest::feols(lemp ~ post | countyreal + year, mpdta,
cluster = ~countyreal)`` uses the same small-sample convention (fixest default ssc), and METHODS.md
B1 records the coefficient as -0.0365.
"""

POST_COEF = -0.03654893667406699
POST_SE = {
    "CRV1 countyreal": 0.013265155429338898,
    "hetero": 0.012360100485449433,
    "iid": 0.012646473525659147,
    "CRV1 countyreal+year": 0.012126890967810703,
}

"""The out-of-core path on a real distributed.LocalCluster with two workers (small and fast)."""

from __future__ import annotations

import warnings

import dask.dataframe as dd
import numpy as np
import pytest

import countyeconomy as ce
from countyeconomy.inference import Cluster

pytestmark = pytest.mark.dask


def test_twfe_and_aggregate_on_local_cluster(tmp_path: object) -> None:
    distributed = pytest.importorskip("distributed")
    from tests.test_outofcore_twfe import cells

    df = cells(7, n_cells=240, unbalanced=True)
    path = f"{tmp_path}/cells"
    dd.from_pandas(df, npartitions=3, sort=False).to_parquet(path)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ooc = ce.twfe(
                f"{path}/*.parquet", "y ~ policy + x | cell + year", vcov=Cluster("county")
            )
            agg = ce.aggregate_cells(dd.read_parquet(path), ["y"], weights="area").compute()
    mem = ce.twfe(
        df, "y ~ policy + x | cell + year", county="cell", year="year", vcov=Cluster("county")
    )
    np.testing.assert_allclose(ooc.params.to_numpy(), mem.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ooc.std_errors.to_numpy(), mem.std_errors.to_numpy(), rtol=1e-8)
    assert agg.frame["n_cells"].sum() == len(df)

"""explain_many on a real Dask cluster: a local scheduler and two worker processes, no mocks."""

import numpy as np
import pytest

from lime_kit import TabularExplainer

distributed = pytest.importorskip("distributed")

X = np.random.default_rng(0).normal(size=(100, 4))
FAST = {"num_samples": 300, "num_features": 2, "progress": False}


def linear(rows):
    return rows @ np.array([5.0, 1.0, 0.0, 0.0])


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def explainer():
    return TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)


def test_dask_without_a_client_says_how_to_start_one(explainer):
    try:
        distributed.default_client()
        pytest.skip("a Dask client is already active in this process")
    except ValueError:
        pass
    with pytest.raises(ValueError, match="active dask.distributed Client, and there is none"):
        explainer.explain_many(X[:2], linear, backend="dask", **FAST)


def test_dask_results_equal_in_process_results(client, explainer):
    on_cluster = explainer.explain_many(X[:8], linear, backend="dask", random_state=5, **FAST)
    here = explainer.explain_many(X[:8], linear, n_jobs=1, random_state=5, **FAST)
    assert on_cluster == here and len(on_cluster) == 8
    # The chunks really ran on the cluster's worker processes.
    assert sum(client.run(lambda: "lime_kit.many" in __import__("sys").modules).values()) == 2


def test_dask_failure_names_the_instance(client, explainer):
    rows = X[:6].copy()
    rows[4, 0] = np.nan
    with pytest.raises(ValueError, match=r"^instance 4: ValueError: .*x0"):
        explainer.explain_many(rows, linear, backend="dask", **FAST)
    with pytest.warns(UserWarning, match="1 of 6 instances could not be explained"):
        kept = explainer.explain_many(rows, linear, backend="dask", errors="keep", **FAST)
    assert [p for p, _ in kept.failures] == [4] and kept[4] is None and kept[5] is not None

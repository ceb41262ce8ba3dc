"""A Dask cluster builds the same KB as a local ingest; shards merge through the KB writer."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from pipeline.distributed import distributed_ingest, merge_shards, merge_shards_command  # noqa: E402
from pipeline.ingest import ingest  # noqa: E402
from test_workers import kb_digest, small_corpus  # noqa: E402,F401  (fixture)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    # Threads in this process: no worker start-up cost, same code path as remote workers.
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def test_distributed_kb_equals_local_kb(small_corpus, tmp_path, client):
    local, remote = tmp_path / "local.db", tmp_path / "dask.db"
    local_report = ingest([str(small_corpus)], str(local), batch_size=4)
    shards = tmp_path / "shards"
    dask_report = distributed_ingest([str(small_corpus)], str(remote), client=client, shard_dir=shards, batch_size=4)
    assert dask_report.as_dict()["counts"] == local_report.as_dict()["counts"]
    assert kb_digest(remote) == kb_digest(local)
    assert list(shards.iterdir()) == []  # merged shards are removed

    again = distributed_ingest([str(small_corpus)], str(remote), client=client, shard_dir=shards)
    assert again.counts["pages_processed"] == 0


def test_shards_left_behind_merge_into_the_same_kb(small_corpus, tmp_path, client):
    local = tmp_path / "local.db"
    ingest([str(small_corpus)], str(local), batch_size=5)
    shards = tmp_path / "shards"
    # Workers wrote shards into another KB; a fresh KB is built from them alone.
    distributed_ingest([str(small_corpus)], str(tmp_path / "scratch.db"), client=client, shard_dir=shards,
                       batch_size=5, keep_shards=True)
    assert len(list(shards.glob("shard-*.pkl"))) == 8
    merged = tmp_path / "merged.db"
    result = CliRunner().invoke(merge_shards_command, [str(shards), "--db", str(merged)])
    assert result.exit_code == 0, result.output
    assert "36 ok" in result.output
    assert kb_digest(merged) == kb_digest(local)
    assert merge_shards(shards, str(merged)).counts["pages_processed"] == 0  # nothing left to merge

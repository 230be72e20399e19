"""minidl.distributed: N processes average their gradients into the step one process takes with the whole batch.

The multi-process tests are marked ``slow`` (``make test-fast`` skips them). Each runs with short timeouts,
so a broken collective fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import time

import pytest
import torch
import torch.distributed as dist

import minidl
from minidl.distributed import DistributedDataParallel, GradBucket, RankFailed, Run, launch, shard
from minidl.distributed.group import as_timedelta, backend_for
from minidl.distributed.timing import step_times, tanh_mlp
from minidl.distributed.train import setup, train_report_net
from minidl.models import report_net

TIMEOUT = 20  # seconds a collective may wait; every test below finishes far sooner


# -- what each rank runs (module level: a spawned child imports them by name) ------------------------


def broadcast_and_count(rank: int, world_size: int, steps: int) -> dict:
    """Rank r starts from its own weights; wrapped, it trains ``steps`` steps while all_reduce is counted."""
    sizes = []
    real = dist.all_reduce

    def counted(tensor, *args, **kwargs):
        sizes.append(tensor.numel())
        return real(tensor, *args, **kwargs)

    dist.all_reduce = counted  # in this child only
    net = report_net(generator=minidl.seeded(100 + rank), dtype=torch.float64)
    own = [p.value.clone() for p in net.param()]
    model = DistributedDataParallel(net)
    start = [p.value.clone() for p in net.param()]
    x, y = shard(*minidl.disk_dataset(8 * steps * world_size, minidl.seeded(1), dtype=torch.float64),
                 rank, world_size)
    minidl.train_epoch(model, minidl.MSELoss(), minidl.SGD(model.param(), lr=0.1), x, y, batch_size=8)
    return dict(own=own, start=start, sizes=sizes, params=sum(p.value.numel() for p in net.param()),
                bucket_calls=model.bucket.calls)


def fail_on(rank: int, world_size: int, bad: int, how: str) -> None:
    if rank == bad:
        if how == "raise":
            raise ValueError("planted failure")
        if how == "exit":
            os._exit(3)
        time.sleep(60)  # "hang": never joins the collective
    dist.all_reduce(torch.ones(1))


def whoami(rank: int, world_size: int) -> tuple:
    return rank, world_size, dist.get_backend(), torch.get_num_threads()


def sleep(rank: int, world_size: int) -> None:
    time.sleep(60)


# -- several ranks ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_processes_reach_the_parameters_of_one_process_with_the_whole_batch():
    run = Run(epochs=2, batch_size=16, n=64, dtype="float64")
    results = launch(train_report_net, 2, (run,), timeout=TIMEOUT)
    train, test, net = setup(run)
    minidl.fit(net, minidl.MSELoss(), minidl.SGD(net.param(), lr=run.step_lr), train, test, run.epochs,
               batch_size=run.batch_size)
    reference = net.state_dict()
    assert results[0]["steps"] == run.epochs * run.n // run.batch_size
    for r in results:
        assert r["state"].keys() == reference.keys()
        for name, value in reference.items():
            torch.testing.assert_close(r["state"][name], value, rtol=1e-12, atol=1e-12)
            assert not torch.equal(value, setup(run)[2].state_dict()[name])  # it trained
    assert results[0]["history"] == results[1]["history"]


@pytest.fixture(scope="module")
def counted():
    return launch(broadcast_and_count, 2, (3,), timeout=TIMEOUT)


@pytest.mark.slow
def test_each_step_is_one_all_reduce_of_every_gradient(counted):
    for r in counted:
        assert r["sizes"] == [r["params"]] * 3  # one call per step, the whole model in it
        assert r["bucket_calls"] == 3


@pytest.mark.slow
def test_the_broadcast_makes_every_rank_start_from_rank_0s_weights(counted):
    rank0, rank1 = counted
    assert not all(torch.equal(a, b) for a, b in zip(rank0["own"], rank1["own"], strict=True))  # different inits
    for a, b in zip(rank0["own"], rank1["start"], strict=True):
        assert torch.equal(a, b)
    for a, b in zip(rank0["own"], rank0["start"], strict=True):
        assert torch.equal(a, b)


@pytest.mark.slow
@pytest.mark.parametrize(("how", "bad", "message"), [
    ("raise", 1, "rank 1 of 2 failed: ValueError: planted failure"),
    ("exit", 1, "rank 1 died with exit code 3"),
    ("hang", 1, "rank 0 of 2 failed"),  # rank 0's all_reduce times out; rank 1 is stopped
])
def test_a_failing_rank_stops_the_run_with_a_clear_error_and_nothing_hangs(how, bad, message):
    start = time.monotonic()
    with pytest.raises(RankFailed, match=message) as info:
        launch(fail_on, 2, (bad, how), timeout=2 if how == "hang" else TIMEOUT)
    assert time.monotonic() - start < 15  # far below TIMEOUT: the parent stopped the waiting rank
    assert info.value.rank == (0 if how == "hang" else bad)


@pytest.mark.slow
def test_the_deadline_bounds_the_whole_run():
    start = time.monotonic()
    with pytest.raises(RankFailed, match="did not finish within the deadline of 1"):
        launch(sleep, 2, deadline=1, timeout=TIMEOUT)
    assert time.monotonic() - start < 15


@pytest.mark.slow
def test_spawned_processes_start_fresh_interpreters_and_join_the_group():
    # the start method for CUDA and macOS; on Linux with a CPU device, launch forks by default
    assert launch(whoami, 2, start_method="spawn", timeout=TIMEOUT, threads=1) == [(0, 2, "gloo", 1), (1, 2, "gloo", 1)]


@pytest.mark.slow
def test_step_times_splits_the_batch_and_times_the_all_reduce():
    one, two = (launch(step_times, p, ((2, 25, 25, 25, 2), 20, 2), timeout=TIMEOUT) for p in (1, 2))
    assert one[0]["rows"] == 20 and [r["rows"] for r in two] == [10, 10]
    assert one[0]["all-reduce"] == 0 and 0 < two[0]["all-reduce"] < two[0]["step"]


# -- one process, no process group -----------------------------------------------------------------


def test_a_shard_is_every_pth_row_and_the_shards_have_one_size():
    x, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
    assert shard(x, y, 0, 2)[1].tolist() == [0, 2] and shard(x, y, 1, 2)[1].tolist() == [1, 3]  # row 4 dropped
    full = torch.cat([shard(x, y, r, 2)[0].reshape(-1, 1, 2) for r in range(2)], dim=1).reshape(-1, 2)
    assert torch.equal(full, x[:4])  # local rows k of every rank, side by side, are the global rows in order
    with pytest.raises(ValueError, match=r"rank must lie in \[0, 2\), got 2"):
        shard(x, y, 2, 2)
    with pytest.raises(ValueError, match="5 rows cannot give each of 6 ranks a row"):
        shard(x, y, 0, 6)


def test_the_backend_follows_the_device_and_the_timeout_is_checked():
    assert backend_for("cpu") == "gloo" and backend_for(torch.device("cuda", 1)) == "nccl"
    assert as_timedelta(2).total_seconds() == 2
    with pytest.raises(ValueError, match="timeout must be > 0 seconds"):
        as_timedelta(0)
    with pytest.raises(TypeError, match="timeout must be a number of seconds or a datetime.timedelta"):
        as_timedelta("5")


def test_one_rank_in_this_process_gives_the_plain_gradients_and_the_input_gradient():
    from minidl.distributed import free_port, join, leave

    x, y = minidl.disk_dataset(6, minidl.seeded(0), dtype=torch.float64)
    plain, wrapped = (report_net(generator=minidl.seeded(1), dtype=torch.float64) for _ in range(2))
    join(0, 1, free_port(), timeout=TIMEOUT)
    try:
        model = DistributedDataParallel(wrapped)
        grads = []
        for net in (plain, model):
            loss_fn = minidl.MSELoss()
            loss_fn(net(x), y)
            grads.append((net.backward(loss_fn.backward(), input_grad=True), [p.grad for p in net.param()]))
        assert model.bucket.calls == 1 and model.world_size == 1 and model.rank == 0
        assert "world_size=1" in repr(model)
    finally:
        leave()
    (gx_plain, g_plain), (gx_ddp, g_ddp) = grads
    torch.testing.assert_close(gx_ddp, gx_plain, rtol=0, atol=0)
    for a, b in zip(g_ddp, g_plain, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_tanh_mlp_has_the_sizes_asked_for():
    net = tanh_mlp((2, 25, 25, 25, 2))
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh"] * 3 + ["Linear"]
    assert [tuple(p.shape) for p in net.param()] == [tuple(p.shape) for p in report_net().param()]


def test_misuse_gets_clear_errors():
    with pytest.raises(RuntimeError, match="DistributedDataParallel: no process group; call minidl.distributed.join"):
        DistributedDataParallel(report_net())
    with pytest.raises(TypeError, match="DistributedDataParallel: module must be a minidl Module"):
        DistributedDataParallel(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="GradBucket: got no parameters"):
        GradBucket([])
    mixed = [minidl.Parameter(torch.zeros(2)), minidl.Parameter(torch.zeros(2, dtype=torch.float64))]
    with pytest.raises(ValueError, match="one flat buffer needs one dtype and one device"):
        GradBucket(mixed)
    with pytest.raises(ValueError, match="does not split evenly over 3 processes"):
        Run(batch_size=16).local_batch(3)
    with pytest.raises(ValueError, match="Run: epochs must be an int ≥ 1, got 0"):
        Run(epochs=0)
    with pytest.raises(ValueError, match="Run: lr must be a finite number > 0 or None"):
        Run(lr=-0.1)
    with pytest.raises(ValueError, match="Run: dtype must be one of"):
        Run(dtype="float16")
    assert Run(batch_size=40).step_lr == pytest.approx(40 * Run(batch_size=1).step_lr)  # the linear scaling rule
    with pytest.raises(ValueError, match="launch: nproc must be"):
        launch(sleep, 0)
    with pytest.raises(TypeError, match="launch: fn must be a function"):
        launch("sleep", 1)

"""The benchmark's own cases (issue 2): the report's 2-25-25-25-2 Tanh net at batch 1 and at batch 100, and a
1024-wide Tanh MLP against torch.nn and the matmul floor.

``bench.py`` imports this module first, so that these are the table's first rows; the other cases are in
``bench/cases_<topic>.py``. Each is registered with ``harness.case``.
"""

from __future__ import annotations

import torch
from harness import Ratio, Settings, case, interleaved
from steps import matmul_floor, minidl_step, torch_step, torch_twin

import minidl
from minidl.models import report_net

LR, MOMENTUM = 0.01, 0.9


def report_net_case(batch: int, settings: Settings) -> dict[str, float]:
    """The report's 2-25-25-25-2 Tanh net, MSE on one-hot targets, SGD with momentum 0.9."""
    model = report_net(generator=minidl.seeded(0))
    twin = torch_twin(model)
    x, y = minidl.disk_dataset(1000, minidl.seeded(1))
    t = torch.zeros(1000, 2).scatter_(1, y.unsqueeze(1), 1.0)
    batches = [(x[i : i + batch], t[i : i + batch]) for i in range(0, 1000, batch)]
    return interleaved(
        {
            "minidl": minidl_step(model, minidl.MSELoss(), minidl.SGD(model.param(), LR, MOMENTUM), batches),
            "torch.nn": torch_step(
                twin, torch.nn.MSELoss(), torch.optim.SGD(twin.parameters(), LR, momentum=MOMENTUM), batches
            ),
        },
        settings,
    )


@case("report net 2-25-25-25-2, batch 1", [Ratio("minidl speed-up vs torch.nn", "torch.nn", "minidl", at_least=1.5)])
def report_net_batch_1(settings: Settings) -> dict[str, float]:
    return report_net_case(1, settings)


@case("report net 2-25-25-25-2, batch 100", [Ratio("minidl speed-up vs torch.nn", "torch.nn", "minidl", at_least=1.2)])
def report_net_batch_100(settings: Settings) -> dict[str, float]:
    return report_net_case(100, settings)


WIDTH, BATCH = 1024, 512


@case(
    f"MLP {WIDTH}-{WIDTH}-{WIDTH}-{WIDTH} Tanh, batch {BATCH}",
    [
        Ratio("minidl speed-up vs torch.nn", "torch.nn", "minidl", at_least=1.0, threads=((1, 1.05), (2, 1.0))),
        Ratio("minidl / matmul floor", "minidl", "matmul floor", at_most=1.15),
        Ratio("torch.nn / matmul floor", "torch.nn", "matmul floor"),
    ],
    note="three Linear layers with Tanh between, Xavier init, MSE, built plainly (no needs_input_grad flag); "
    "the first layer skips ∂ℓ/∂x^0 (minidl: Sequential.backward's default; autograd: the data needs no grad)",
)
def wide_mlp(settings: Settings) -> dict[str, float]:
    g = minidl.seeded(0)
    kw = dict(init="xavier", generator=g)
    model = minidl.Sequential(
        minidl.Linear(WIDTH, WIDTH, **kw), minidl.Tanh(),
        minidl.Linear(WIDTH, WIDTH, **kw), minidl.Tanh(),
        minidl.Linear(WIDTH, WIDTH, **kw),
    )  # fmt: skip
    twin = torch_twin(model)
    batches = [(torch.randn(BATCH, WIDTH, generator=g), torch.randn(BATCH, WIDTH, generator=g)) for _ in range(2)]
    return interleaved(
        {
            "minidl": minidl_step(model, minidl.MSELoss(), minidl.SGD(model.param(), LR, MOMENTUM), batches),
            "torch.nn": torch_step(
                twin, torch.nn.MSELoss(), torch.optim.SGD(twin.parameters(), LR, momentum=MOMENTUM), batches
            ),
            "matmul floor": matmul_floor(model, BATCH),
        },
        settings,
    )

"""A loss given a bad target gets a clear error that names the loss and the shapes or values (issue 2,
section 3): the wrong shape, dtype or type, one-hot rows of integers, float indices, and class indices out
of range. One test per case."""

from __future__ import annotations

import pytest
import torch
from error_messages import LOSSES, loss_ids, shape

P = torch.randn(5, 3)


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_probability_target_of_the_wrong_width(loss_cls):
    msg = rf"{loss_cls.__name__}: target has shape {shape(5, 4)}, prediction has {shape(5, 3)}"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.rand(5, 4))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_probability_target_of_the_wrong_batch_size(loss_cls):
    msg = rf"{loss_cls.__name__}: target has shape {shape(6, 3)}, prediction has {shape(5, 3)}"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.rand(6, 3))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_index_target_of_the_wrong_batch_size(loss_cls):
    msg = (rf"{loss_cls.__name__}: class-index target must have shape {shape(5)} "
           rf"for prediction {shape(5, 3)}, got {shape(6)}")
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.zeros(6, dtype=torch.int64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_index_target_of_the_wrong_shape(loss_cls):
    msg = rf"{loss_cls.__name__}: class-index target must have shape {shape(5)} .* got {shape(5, 1)}"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.zeros(5, 1, dtype=torch.int64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_integer_one_hot_rows_are_refused_with_a_hint(loss_cls):
    msg = rf"{loss_cls.__name__}: class-index target must have shape {shape(5)} .* "
    msg += rf"got {shape(5, 3)} of dtype torch.int64"
    msg += "; one-hot or probability rows must be floating point"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.eye(3, dtype=torch.int64)[[0, 1, 2, 0, 1]])


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_float_indices_are_refused_with_a_hint(loss_cls):
    msg = rf"{loss_cls.__name__}: target has shape {shape(5)}, .*must be an integer tensor"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.zeros(5))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_target_of_another_float_dtype(loss_cls):
    msg = rf"{loss_cls.__name__}: target dtype torch.float64 does not match prediction dtype torch.float32"
    with pytest.raises(TypeError, match=msg):
        loss_cls()(P, torch.rand(5, 3, dtype=torch.float64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_boolean_target_is_refused(loss_cls):
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: target has dtype torch.bool"):
        loss_cls()(P, torch.zeros(5, dtype=torch.bool))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_class_index_out_of_range(loss_cls):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: class indices must lie in \[0, 3\) .* from 0 to 3"):
        loss_cls()(P, torch.tensor([0, 1, 2, 3, 0]))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_negative_class_index(loss_cls):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: class indices must lie in \[0, 3\) .* from -1 to 1"):
        loss_cls()(P, torch.tensor([0, 1, -1, 1, 0]))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_target_that_is_not_a_tensor(loss_cls):
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: target must be a torch.Tensor, got list"):
        loss_cls()(P, [0, 1, 2, 1, 0])

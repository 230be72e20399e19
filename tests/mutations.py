"""The bugs that ``make mutate`` (tests/mutate.py) plants in a copy of minidl, one at a time: each a source
patch of one file of ``minidl/`` (the exact old text, found once, and the new text) and the pytest arguments
of the fast tests that must catch it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to minidl/
    patches: tuple[tuple[str, str], ...]  # (exact old text, new text), each found once in the file
    tests: tuple[str, ...]  # pytest arguments: the fast tests that should catch it


def M(name: str, file: str, old: str, new: str, *tests: str) -> Mutation:
    return Mutation(name, file, ((old, new),), tests)


MODULE_TESTS = ("tests/test_modules.py", "tests/test_modules_torch_nn.py")  # the module tests, in two files
LINEAR_TESTS = (*MODULE_TESTS, "-k", "linear")
# on a square layer only, where a transpose changes no shape: the values must catch it
SQUARE_TESTS = (*MODULE_TESTS, "tests/test_properties.py", "-k", "linear-square or test_linear_gradients")
MUTATIONS = [
    M("linear: weight gradient transposed (g^T x), caught on a square layer", "nn/linear.py",
      "self.weight.grad.addmm_(x.T, g)", "self.weight.grad.add_(g.T.mm(x))", *SQUARE_TESTS),
    M("linear: input gradient without the transpose (g W), the report's eq. (2)", "nn/linear.py",
      "return g.mm(self.weight.value.T)", "return g.mm(self.weight.value)", *SQUARE_TESTS),
    M("linear: bias gradient averaged, not summed, over the batch", "nn/linear.py",
      "self.bias.grad.add_(g.sum(0))", "self.bias.grad.add_(g.mean(0))", *LINEAR_TESTS),
    M("mse: mean over N instead of N*C", "losses/mse.py",
      "k = self.factor(diff.numel())", "k = self.factor(diff.shape[0])", *MODULE_TESTS, "-k", "mse"),
    M("softmax: the report's sign in eq. (4)", "nn/softmax.py",
      "return p * (g - (g * p).sum(dim=1, keepdim=True))", "return p * ((g * p).sum(dim=1, keepdim=True) - g)",
      *MODULE_TESTS, "-k", "softmax"),
    M("sgd: momentum with a (1 - mu) damping factor", "optim/sgd.py",
      "v.mul_(self.momentum).add_(p.grad, alpha=-self.lr)",
      "v.mul_(self.momentum).add_(p.grad, alpha=-self.lr * (1 - self.momentum))", "tests/optim/test_sgd.py"),
    M("conv: padding shifted by one row", "nn/im2col.py",
      "out[:, :, ph : ph + h, pw : pw + w] = x", "out[:, :, ph + 1 : ph + 1 + h, pw : pw + w] = x",
      *MODULE_TESTS, "-k", "conv"),
    M("max-pool: gradient spread over the whole window", "nn/pool.py",
      "grad_windows.scatter_(2, self.argmax.unsqueeze(2), grad_output.unsqueeze(2))",
      "grad_windows.add_(grad_output.unsqueeze(2))", *MODULE_TESTS, "-k", "maxpool"),
    M("max-pool: a tie goes to the last maximal entry of a tiling window", "nn/pool.py",
      "took = (larger != output).long()", "took = (view == larger).long()", "tests/nn/test_pool.py", "-k", "ties"),
    Mutation("adam: no bias correction", "optim/adam.py", (
        ("denominator = (v.sqrt() / math.sqrt(1 - b2**t)).add_(self.eps)", "denominator = v.sqrt().add_(self.eps)"),
        ("value=-self.lr / (1 - b1**t)", "value=-self.lr"),
    ), ("tests/optim/test_adam_gd.py", "-k", "adam")),
    M("tanh: backward by autograd inside the module", "nn/tanh.py",
      "        return grad_output * (1 - y * y)",
      "        with torch.enable_grad():\n"
      "            s = torch.atanh(y).detach().requires_grad_()\n"
      "            return torch.autograd.grad(torch.tanh(s), s, grad_output)[0]",
      "tests/test_no_autograd_runtime.py", "-k", "catalog and tanh"),
    M("tanh: a float32 detour in a float64 backward", "nn/tanh.py",
      "return grad_output * (1 - y * y)", "return (grad_output.float() * (1 - y.float() ** 2)).to(grad_output.dtype)",
      *MODULE_TESTS, "-k", "tanh"),
    M("dropout: a fresh mask in backward instead of the forward's", "nn/dropout.py",
      "return grad_output * self.mask / (1 - self.p)",
      "return grad_output * (torch.rand(grad_output.shape, generator=self.generator) >= self.p) / (1 - self.p)",
      *MODULE_TESTS, "-k", "dropout"),
    M("softmax cross-entropy: gradient without the 1/N", "losses/cross_entropy.py",
      "return (p * t.sum(dim=1, keepdim=True) - t) * k", "return p * t.sum(dim=1, keepdim=True) - t",
      *MODULE_TESTS, "-k", "softmax-cross-entropy"),
    M("prelu: slope gradient from the positive part", "nn/prelu.py",
      "negative = s.clamp(max=0)", "negative = s.clamp(min=0)", *MODULE_TESTS, "-k", "prelu"),
    M("avg-pool: gradient not divided by the window's area", "nn/pool.py",
      "share = grad_output / area", "share = grad_output",
      *MODULE_TESTS, "-k", "avgpool"),
    M("l1: gradient with the wrong sign", "losses/l1.py",
      "return torch.sign(diff) * k", "return torch.sign(-diff) * k", *MODULE_TESTS, "-k", "l1"),
    M("sequential: backward in forward order", "sequential.py",
      "for i in range(len(self.modules) - 1, first - 1, -1):", "for i in range(first, len(self.modules)):",
      *MODULE_TESTS, "-k", "sequential or report_net"),
    M("autograd: a gradient sent twice overwrites the first instead of adding", "autograd/tensor.py",
      "grads[id(parent)] = gp if id(parent) not in grads else grads[id(parent)] + gp", "grads[id(parent)] = gp",
      "tests/autograd/test_tape_graph.py"),
    M("autograd: a broadcast operand's gradient averaged, not summed", "autograd/ops.py",
      "return g.sum(dim=dims, keepdim=True).reshape(shape) if dims else g",
      "return g.mean(dim=dims, keepdim=True).reshape(shape) if dims else g", "tests/autograd/test_tape_vjp.py"),
    M("autograd: linear adds into the grads of its previous call", "autograd/layers.py",
      "    layer.weight.grad = layer.bias.grad = None\n", "", "tests/autograd/test_tape_accumulate.py"),
    M("autograd: a node's first gradient stored without a copy (nodes share one tensor)", "autograd/tensor.py",
      "node.grad = g.clone() if node.grad is None", "node.grad = g if node.grad is None",
      "tests/autograd/test_tape_accumulate.py"),
]

"""What each rule's reproducers must show: exception types and every known wording of the message.

CPU and CUDA word some errors differently (`m1 and m2` vs `mat1 and mat2`, `torch.FloatTensor` vs
`torch.cuda.FloatTensor`), and older torch releases used other wordings; all of them count.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Raises:
    """`bad(device)` must raise this exception type with a message matching one of the patterns."""

    exception: str
    patterns: tuple[str, ...]


TPF003_VIEW = Raises("RuntimeError", (
    r"view size is not compatible with input tensor's size and stride",
    r"invalid argument \d+: view size is not compatible",
))
TPF004_FROM_NUMPY = Raises("TypeError", (
    r"expected np\.ndarray \(got [\w.]+\)",
))
TPF005_DTYPE = Raises("RuntimeError", (
    r"expected (m1|mat1) and (m2|mat2) to have the same dtype",
    r"expected both vectors to have same dtype",
    r"expected scalar type \w+ but found \w+",
    r"Expected object of scalar type \w+ but got scalar type \w+",
    r"self and mat2 must have the same dtype",
))
TPF006_INPLACE = Raises("RuntimeError", (
    r"a leaf Variable that requires grad (is being|has been) used in an in-place operation",
    r"a view of a leaf Variable that requires grad is being used in an in-place operation",
))
#: What `.detach()` does where `.data` stays silent (TPF002).
TPF002_DETACH_RAISES = Raises("RuntimeError", (
    r"one of the variables needed for gradient computation has been modified by an inplace operation",
))

RAISING_RULES: dict[str, Raises] = {
    "TPF003": TPF003_VIEW,
    "TPF004": TPF004_FROM_NUMPY,
    "TPF005": TPF005_DTYPE,
    "TPF006": TPF006_INPLACE,
}

"""The registry of checks: one module per rule; everything else (codes, docs, tests) derives from it."""

from __future__ import annotations

from .base import Check, Finding
from .tpf001_loss_kept import LossKeptAcrossIterations
from .tpf002_data import DataInsteadOfDetach
from .tpf003_view_noncontiguous import ViewOnNonContiguous
from .tpf004_from_numpy import FromNumpyOnNonNdarray
from .tpf005_matmul_dtype import MatmulDtypeMismatch
from .tpf006_inplace_requires_grad import InplaceOnRequiresGrad

ALL_CHECKS: tuple[type[Check], ...] = (
    LossKeptAcrossIterations,
    DataInsteadOfDetach,
    ViewOnNonContiguous,
    FromNumpyOnNonNdarray,
    MatmulDtypeMismatch,
    InplaceOnRequiresGrad,
)

__all__ = ["ALL_CHECKS", "Check", "Finding"]

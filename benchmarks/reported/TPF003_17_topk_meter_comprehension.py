"""Source: https://github.com/feymanpriv/DOLG/issues/13
Evaluation crashed in the meters module with "view size is not compatible with input tensor's size and
stride"; the reporter added `.contiguous()` before the `.view(-1)`.
Shape: a helper returns the transposed top-k correctness mask (`.t()` then `.eq()`), and the caller flattens
each leading k-slice of it inside a list comprehension.
Verified: top_k_errors(torch.randn(6, 9), torch.randint(0, 9, (6,)), [1, 5]) raises RuntimeError: view size is
not compatible with input tensor's size and stride; the fixed file runs.
"""
import torch


def correct_mask(preds, labels, kmax):
    """(kmax, N) mask: whether the j-th best prediction of each sample is its label."""
    _, top_idx = torch.topk(preds, kmax, dim=1, largest=True, sorted=True)
    top_idx = top_idx.t()
    expanded = labels.view(1, -1).expand_as(top_idx)
    return top_idx.eq(expanded)


def top_k_errors(preds, labels, ks):
    mask = correct_mask(preds, labels, max(ks))
    counts = [mask[:k, :].view(-1).float().sum() for k in ks]  # expect: TPF003
    return [(1.0 - c / preds.size(0)) * 100.0 for c in counts]

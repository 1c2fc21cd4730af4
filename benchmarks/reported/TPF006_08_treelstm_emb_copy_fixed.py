"""Source: https://github.com/dasguptar/treelstm.pytorch/pull/26
Running training without freezing the embeddings raised "RuntimeError: a leaf Variable that requires grad has
been used in an in-place operation." at `self.emb.weight.copy_(init_emb)` in the model's __init__.
Shape: the model's constructor builds an nn.Embedding, optionally freezes it, and copies pretrained vectors
(loaded by a helper from a vocabulary/vector table) into the embedding weight with copy_, outside no_grad.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn

PAD = 0


def load_word_vectors(vocab, dim):
    emb = torch.zeros(len(vocab), dim)
    for idx, word in enumerate(vocab):
        if word != "<pad>":
            emb[idx].normal_(0, 0.05)
    return emb


class ChildSumTreeLSTM(nn.Module):
    def __init__(self, in_dim, mem_dim):
        super().__init__()
        self.ioux = nn.Linear(in_dim, 3 * mem_dim)
        self.fx = nn.Linear(in_dim, mem_dim)


class SimilarityTreeLSTM(nn.Module):
    def __init__(self, vocab_size, in_dim, mem_dim, sparsity, freeze, init_emb):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, in_dim, padding_idx=PAD, sparse=sparsity)
        if freeze:
            self.emb.weight.requires_grad = False
        with torch.no_grad():
            self.emb.weight.copy_(init_emb)
        self.childsumtreelstm = ChildSumTreeLSTM(in_dim, mem_dim)


def build(freeze=False):
    vocab = ["<pad>", "the", "cat", "sat", "mat"]
    init_emb = load_word_vectors(vocab, 6)
    return SimilarityTreeLSTM(len(vocab), 6, 4, sparsity=False, freeze=freeze, init_emb=init_emb)

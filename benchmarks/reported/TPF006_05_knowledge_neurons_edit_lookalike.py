"""Source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
Lookalike (correct code): the same knowledge-neuron edit, but done on `dense.weight.detach()` (a tensor that
shares the Parameter's storage and does not require grad), so the in-place -= / += are allowed and still
change the model; the bias is reset with nn.init.zeros_, which runs under no_grad internally.
Shape: the weight is reached through the same attribute chain, detached into a local, then sliced and
updated in place in the loop over (layer, pos) pairs.
Verified: runs without error on torch 2.13.0+cpu (_checks/check_tpf006.py)
"""
import torch
import torch.nn as nn


class Layer(nn.Module):
    def __init__(self, hidden, inter):
        super().__init__()
        self.intermediate = nn.Linear(hidden, inter)
        self.output = nn.Module()
        self.output.dense = nn.Linear(inter, hidden)


class Encoder(nn.Module):
    def __init__(self, n_layers=2, hidden=8, inter=16):
        super().__init__()
        self.layer = nn.ModuleList([Layer(hidden, inter) for _ in range(n_layers)])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = nn.Module()
        self.bert.encoder = Encoder()


def edit_knowledge(model, neurons, ori_pred_emb, tgt_emb, lambda_list_1, lambda_list_2):
    for i, (layer, pos) in enumerate(neurons):
        dense = model.bert.encoder.layer[layer].output.dense
        weight = dense.weight.detach()
        weight[:, pos] -= ori_pred_emb * lambda_list_1[i]
        weight[:, pos] += tgt_emb * lambda_list_2[i]
        nn.init.zeros_(dense.bias)
    return model


def run():
    model = Model()
    before = model.bert.encoder.layer[0].output.dense.weight[:, 3].clone()
    edit_knowledge(model, [(0, 3), (1, 5)], torch.randn(8), torch.randn(8), [0.5, 0.5], [1.0, 1.0])
    after = model.bert.encoder.layer[0].output.dense.weight[:, 3]
    assert not torch.equal(before, after)
    assert model.bert.encoder.layer[0].output.dense.weight.requires_grad
    return model

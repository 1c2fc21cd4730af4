"""Source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
Lines 313-315 of 6_edit_knowledge_sampled.py raised "RuntimeError: a view of a leaf Variable that requires
grad is being used in an in-place operation" on
`model.bert.encoder.layer[layer].output.dense.weight[:, pos] -= ori_pred_emb * lambda_list_1[i]`.
Shape: the edit reaches a Linear weight through a chain of attributes and list indexing on a BERT-like
module tree, and applies -= / += to a column slice of that Parameter in a loop over (layer, pos) pairs.
Verified: raises RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn


class Output(nn.Module):
    def __init__(self, inter, hidden):
        super().__init__()
        self.dense = nn.Linear(inter, hidden)


class Layer(nn.Module):
    def __init__(self, hidden, inter):
        super().__init__()
        self.intermediate = nn.Linear(hidden, inter)
        self.output = Output(inter, hidden)


class Encoder(nn.Module):
    def __init__(self, n_layers, hidden, inter):
        super().__init__()
        self.layer = nn.ModuleList([Layer(hidden, inter) for _ in range(n_layers)])


class TinyBert(nn.Module):
    def __init__(self, n_layers=2, hidden=8, inter=16):
        super().__init__()
        self.encoder = Encoder(n_layers, hidden, inter)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = TinyBert()


def edit_knowledge(model, neurons, ori_pred_emb, tgt_emb, lambda_list_1, lambda_list_2):
    for i, (layer, pos) in enumerate(neurons):
        model.bert.encoder.layer[layer].output.dense.weight[:, pos] -= ori_pred_emb * lambda_list_1[i]  # expect: TPF006
        model.bert.encoder.layer[layer].output.dense.weight[:, pos] += tgt_emb * lambda_list_2[i]  # expect: TPF006
    return model


def run():
    model = Model()
    neurons = [(0, 3), (1, 5)]
    return edit_knowledge(model, neurons, torch.randn(8), torch.randn(8), [0.5, 0.5], [1.0, 1.0])

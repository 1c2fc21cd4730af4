"""Source: https://github.com/allenai/allennlp/issues/2239
Initialising LSTM/GRU parameters with allennlp.nn.initializers.uniform_unit_scaling raised "RuntimeError: a
leaf Variable that requires grad has been used in an in-place operation"; the suggested fix was
tensor.data.uniform_(...).
Shape: a reusable initializer function receives the tensor as an argument and calls uniform_ on it; the
caller walks an RNN's named_parameters() and hands every weight Parameter to the initializer.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import math

import torch
import torch.nn as nn


def uniform_unit_scaling(tensor, nonlinearity="linear"):
    size = 1.0
    for dimension in list(tensor.size())[:-1]:
        size *= dimension
    activation_scaling = torch.nn.init.calculate_gain(nonlinearity, tensor)
    max_value = math.sqrt(3 / size) * activation_scaling
    with torch.no_grad():
        return tensor.uniform_(-max_value, max_value)


def initialize_rnn(rnn, nonlinearity="linear"):
    for name, param in rnn.named_parameters():
        if "weight" in name:
            uniform_unit_scaling(param, nonlinearity)
        elif "bias" in name:
            torch.nn.init.zeros_(param)
    return rnn


def build(input_size=6, hidden_size=4):
    return initialize_rnn(nn.LSTM(input_size, hidden_size, batch_first=True))

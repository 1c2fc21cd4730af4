"""Source: https://github.com/facebookresearch/fairseq/issues/2255
Host memory kept increasing while training masked language modeling; the reporter traced it to the 'loss' item
of `logging_output` in criterions/masked_lm.py, which held the loss tensor itself (fixed by detaching it).
Shape: the criterion returns (loss, sample_size, logging_output) with the graph-carrying loss inside the logging
dict; the trainer appends the dicts, sums their 'loss' values and logs the sum into epoch-long meters.
Verified: ran _checks/check_tpf001.py: the bug's stored values have a grad_fn; the fixed ones do not.
"""
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F

EPOCH_METERS = defaultdict(list)


class MaskedLmLoss(nn.Module):
    def __init__(self, padding_idx=1):
        super().__init__()
        self.padding_idx = padding_idx

    def forward(self, model, sample):
        masked_tokens = sample["target"].ne(self.padding_idx)
        sample_size = int(masked_tokens.sum())
        logits = model(sample["net_input"])[masked_tokens]
        targets = sample["target"][masked_tokens]
        loss = F.cross_entropy(logits, targets, reduction="sum")
        logging_output = {
            "loss": loss,  # expect: TPF001
            "ntokens": sample["ntokens"],
            "sample_size": sample_size,
        }
        return loss, sample_size, logging_output


def reduce_metrics(logging_outputs):
    loss_sum = sum(log.get("loss", 0) for log in logging_outputs)
    sample_size = sum(log.get("sample_size", 0) for log in logging_outputs)
    EPOCH_METERS["loss"].append(loss_sum / max(sample_size, 1))


class Trainer:
    def __init__(self, model, criterion, optimizer):
        self.model, self.criterion, self.optimizer = model, criterion, optimizer

    def train_step(self, samples):
        self.model.train()
        self.optimizer.zero_grad()
        logging_outputs = []
        for sample in samples:
            loss, sample_size, logging_output = self.criterion(self.model, sample)
            loss.backward()
            logging_outputs.append(logging_output)
        self.optimizer.step()
        reduce_metrics(logging_outputs)
        return logging_outputs

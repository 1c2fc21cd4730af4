"""Source: https://github.com/ULTR-Community/ULTRA_pytorch/issues/6
Running DLA for 10k steps used up the CPU memory; the suggested fix was to return `self.loss.item()` from the
learning algorithm's `train()` (the same problem was reported for regression_EM, pdgd, nsgd).
Shape: the learning-algorithm object stores the combined loss on `self.loss`, backpropagates it inside a helper
method, and returns it from `train()`; the outer loop adds `step_loss / steps_per_checkpoint` into a running loss.
Verified: ran _checks/check_tpf001.py: the bug's checkpoint loss has a grad_fn; the fixed one is a float.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class DLA:
    def __init__(self, ranker, propensity_model, lr=0.05, ranker_loss_weight=1.0):
        self.model = ranker
        self.propensity_model = propensity_model
        self.ranker_loss_weight = ranker_loss_weight
        params = list(ranker.parameters()) + list(propensity_model.parameters())
        self.optimizer = torch.optim.Adagrad(params, lr=lr)
        self.global_step = 0

    def separate_gradient_update(self):
        self.optimizer.zero_grad()
        self.loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
        self.optimizer.step()

    def train(self, input_feed):
        features, clicks = input_feed
        train_output = self.model(features).squeeze(-1)
        propensity = self.propensity_model(features).squeeze(-1)
        self.rank_loss = F.binary_cross_entropy_with_logits(train_output, clicks)
        self.exam_loss = F.binary_cross_entropy_with_logits(propensity, clicks)
        self.loss = self.exam_loss + self.ranker_loss_weight * self.rank_loss
        self.separate_gradient_update()
        self.global_step += 1
        return self.loss.item(), None, {"step": self.global_step}


def train_loop(model, batches, steps_per_checkpoint=50, max_train_iteration=200):
    loss, current_step, history = 0.0, 0, []
    while current_step < max_train_iteration:
        input_feed = batches[current_step % len(batches)]
        step_loss, _, summary = model.train(input_feed)
        loss += step_loss / steps_per_checkpoint
        current_step += 1
        if current_step % steps_per_checkpoint == 0:
            history.append(loss)
            print("global step %d loss %.4f" % (summary["step"], loss))
            loss = 0.0
    return history

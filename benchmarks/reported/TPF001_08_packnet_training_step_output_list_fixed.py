"""Source: https://github.com/TRI-ML/packnet-sfm/pull/51
"Fix memory leak": the trainer kept every batch's loss graph alive for the whole epoch; the fix detaches the
loss before appending it to the training output list.
Shape: the model wrapper's `training_step` returns a dict whose 'loss' entry is the loss tensor; the trainer
backpropagates `output['loss']` and appends the whole dict to a list that `training_epoch_end` averages.
Verified: ran _checks/check_tpf001.py: the bug's stored dicts hold losses with a grad_fn; the fixed ones do not.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class DepthModelWrapper(nn.Module):
    def __init__(self, depth_net):
        super().__init__()
        self.depth_net = depth_net

    def training_step(self, batch, batch_idx):
        pred = self.depth_net(batch["rgb"])
        photometric = F.l1_loss(pred, batch["target"])
        smoothness = (pred[..., 1:] - pred[..., :-1]).abs().mean()
        loss = photometric + 1e-3 * smoothness
        return {"loss": loss, "metrics": {"photometric": photometric.item()}}

    def training_epoch_end(self, output_batches):
        avg = torch.stack([out["loss"] for out in output_batches]).mean()
        return {"avg_train-loss": avg}


class Trainer:
    def __init__(self, max_epochs=1):
        self.max_epochs = max_epochs

    def train(self, dataloader, module, optimizer):
        module.train()
        outputs = []
        for i, batch in enumerate(dataloader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            output["loss"] = output["loss"].detach()
            outputs.append(output)
        return module.training_epoch_end(outputs)


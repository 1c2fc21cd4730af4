"""Source: https://github.com/sktime/pytorch-forecasting/pull/1924
Host memory grew through every epoch (issues #1369, #1461); the fix detaches the tensors in the log dict
before appending them to `training_step_outputs`, which otherwise retained each batch's graph until epoch end.
Shape: a LightningModule's `step` helper returns a log dict carrying the loss tensor; `training_step` appends
that dict to a list stored as an attribute on `self`, emptied only in `on_train_epoch_end`.
Verified: by reading (lightning not installed here)
"""
import torch
import torch.nn as nn
import lightning.pytorch as pl


class ForecastModel(pl.LightningModule):
    def __init__(self, n_features, horizon, lr=1e-3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, horizon))
        self.loss_fn = nn.SmoothL1Loss()
        self.lr = lr
        self.training_step_outputs = []

    def step(self, x, y, batch_idx):
        prediction = self.net(x["encoder_cont"])
        loss = self.loss_fn(prediction, y)
        self.log("train_loss", loss.detach(), on_step=True, on_epoch=True, batch_size=y.size(0))
        log = {"loss": loss, "n_samples": y.size(0)}
        return log, prediction

    def training_step(self, batch, batch_idx):
        x, y = batch
        log, out = self.step(x, y, batch_idx)
        self.training_step_outputs.append({k: v.detach() if torch.is_tensor(v) else v for k, v in log.items()})
        return log

    def on_train_epoch_end(self):
        total = sum(o["loss"] * o["n_samples"] for o in self.training_step_outputs)
        count = sum(o["n_samples"] for o in self.training_step_outputs)
        self.log("train_loss_epoch_weighted", total / count)
        self.training_step_outputs.clear()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)

"""Source: https://github.com/ray-project/ray/pull/40940
The LLM fine-tuning template leaked memory every iteration until it ran out (issue #40714); the fix was to
stop summing the loss tensor itself.
Shape: the loss is an attribute of a Hugging Face model output (`outputs.loss`), backpropagated through
`accelerator.backward(loss)` rather than `loss.backward()`, then summed into `loss_sum` across the epoch.
Verified: by reading (needs accelerate and a Hugging Face model; not run)
"""
import time

import torch
from accelerate import Accelerator


def training_function(model, optimizer, lr_scheduler, train_dataloader, num_epochs, log_every=10):
    accelerator = Accelerator()
    model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
    history = []
    for epoch in range(num_epochs):
        model.train()
        loss_sum = torch.tensor(0.0, device=accelerator.device)
        for step, batch in enumerate(train_dataloader):
            with accelerator.accumulate(model):
                s_fwd = time.time()
                outputs = model(**batch)
                loss = outputs.loss
                loss_sum += loss.item()
                e_fwd = time.time()
                accelerator.backward(loss)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
            if accelerator.is_main_process and step % log_every == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f} fwd {e_fwd - s_fwd:.3f}s")
        mean_loss = loss_sum / (step + 1)
        history.append(mean_loss.item())
    return history

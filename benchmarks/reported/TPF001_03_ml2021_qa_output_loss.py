"""Source: https://github.com/pai4451/ML2021/issues/2
Running the HW7 question-answering example, CPU RAM kept growing until all 64 GB were used; changing
`train_loss += output.loss` to `.detach()` / `.item()` fixed it.
Shape: the loss is never bound to a name: it is read as the `.loss` attribute of the model output object,
added to a running total (reset only every `log_every` steps), and backpropagated from the same attribute.
Verified: by reading (needs a Hugging Face QA model; not run)
"""
import torch


def train_qa(model, optimizer, train_loader, device, num_epochs=1, log_every=100):
    model.train()
    step = 1
    for epoch in range(num_epochs):
        train_loss = train_acc = 0
        for batch in train_loader:
            input_ids, token_type_ids, attention_mask, start_pos, end_pos = [t.to(device) for t in batch]
            output = model(
                input_ids=input_ids,
                token_type_ids=token_type_ids,
                attention_mask=attention_mask,
                start_positions=start_pos,
                end_positions=end_pos,
            )
            start_idx = torch.argmax(output.start_logits, dim=1)
            end_idx = torch.argmax(output.end_logits, dim=1)
            train_acc += ((start_idx == start_pos) & (end_idx == end_pos)).float().mean().item()
            train_loss += output.loss  # expect: TPF001

            output.loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step += 1

            if step % log_every == 0:
                print(f"Epoch {epoch + 1} | Step {step} | loss = {train_loss.item() / log_every:.3f}, "
                      f"acc = {train_acc / log_every:.3f}")
                train_loss = train_acc = 0
    return model

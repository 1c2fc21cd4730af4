"""Source: https://github.com/google/brax/pull/152
The PyTorch PPO training example leaked memory: the epoch's running loss held every update's autograd graph
(the PR quotes the PyTorch FAQ "Don't accumulate history across your training loop").
Shape: the loss comes back from an agent method (`agent.loss(batch)`), is backpropagated, then added with
`+=` into a running total that lives for the whole epoch loop.
Verified: ran _checks/check_tpf001.py: the bug's returned total has a grad_fn; the fixed one is a float.
"""
import torch
import torch.nn as nn


class Agent(nn.Module):
    def __init__(self, obs_size, act_size, hidden=32):
        super().__init__()
        self.policy = nn.Sequential(nn.Linear(obs_size, hidden), nn.Tanh(), nn.Linear(hidden, act_size))
        self.value = nn.Sequential(nn.Linear(obs_size, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def loss(self, batch):
        obs, actions, advantages, returns = batch
        logits = self.policy(obs)
        logp = torch.log_softmax(logits, dim=-1).gather(1, actions.unsqueeze(1)).squeeze(1)
        policy_loss = -(logp * advantages).mean()
        value_loss = (self.value(obs).squeeze(1) - returns).pow(2).mean()
        return policy_loss + 0.5 * value_loss


def make_minibatches(obs, actions, advantages, returns, size):
    for start in range(0, obs.shape[0], size):
        sl = slice(start, start + size)
        yield obs[sl], actions[sl], advantages[sl], returns[sl]


def train(agent, optimizer, rollouts, num_updates=4, minibatch_size=16):
    total_loss = 0.0
    steps = 0
    for _ in range(num_updates):
        for batch in make_minibatches(*rollouts, minibatch_size):
            optimizer.zero_grad()
            loss = agent.loss(batch)
            loss.backward()
            optimizer.step()
            total_loss += loss  # expect: TPF001
            steps += 1
    return total_loss / steps

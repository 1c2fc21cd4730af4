"""Source: https://github.com/seungeunrho/minimalRL/issues/59
The reporter ran the DQN example unchanged and got "TypeError: expected np.ndarray (got tuple)"
(gym >= 0.26 / gymnasium: env.reset() returns (observation, info)).
Shape: s = env.reset() at the top of each episode in the training loop; the tuple goes straight
into torch.from_numpy(s) when the Q-network picks an action.
Verified: raises TypeError: expected np.ndarray (got tuple) (real gymnasium CartPole-v1); fixed runs
"""
import random

import gymnasium as gym
import torch
import torch.nn as nn


class Qnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

    def sample_action(self, obs, epsilon):
        if random.random() < epsilon:
            return random.randint(0, 1)
        return self.forward(obs).argmax().item()


def main(n_episodes=2, max_steps=20):
    env = gym.make("CartPole-v1")
    q = Qnet()
    for n_epi in range(n_episodes):
        epsilon = max(0.01, 0.08 - 0.01 * (n_epi / 200))
        s, _ = env.reset()
        for _ in range(max_steps):
            a = q.sample_action(torch.from_numpy(s).float(), epsilon)
            s_prime, r, terminated, truncated, _ = env.step(a)
            s = s_prime
            if terminated or truncated:
                break
    env.close()

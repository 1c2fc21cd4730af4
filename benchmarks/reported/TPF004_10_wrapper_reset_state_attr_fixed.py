"""Source: https://github.com/huanzhang12/SA_PPO/issues/3
The reporter found that the PPO code expects env.reset() to return one array but it actually returns
a tuple (gym version mismatch), so the first state conversion fails ("expected np.ndarray (got tuple)").
Shape: a thin Env wrapper class forwards self.env.reset(); the trainer stores the result on
self.last_state and later converts the attribute with torch.from_numpy in its rollout method.
Verified: raises TypeError: expected np.ndarray (got tuple) (real gymnasium CartPole-v1); fixed runs
"""
import gymnasium as gym
import torch
import torch.nn as nn


class Env:
    def __init__(self, name):
        self.env = gym.make(name)

    def reset(self):
        obs, _info = self.env.reset()
        return obs

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated or truncated, info


class Trainer:
    def __init__(self, name="CartPole-v1"):
        self.envs = Env(name)
        self.policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
        self.last_state = self.envs.reset()

    def run_trajectories(self, steps=10):
        rewards = []
        for _ in range(steps):
            state = torch.from_numpy(self.last_state).float()
            with torch.no_grad():
                action = torch.distributions.Categorical(logits=self.policy(state)).sample().item()
            self.last_state, r, done, _ = self.envs.step(action)
            rewards.append(r)
            if done:
                self.last_state = self.envs.reset()
        return sum(rewards)

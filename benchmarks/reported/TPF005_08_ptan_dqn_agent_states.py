"""Source: https://github.com/Shmuma/ptan/pull/28
The contributor hit "Expected object of type torch.FloatTensor but found type torch.DoubleTensor for argument
#4 'mat1'" in the DQN agent; the maintainer explained that some Gym environments return double-valued
observations and that a float32 preprocessor must be passed to the agent.
Shape: observations come from env.step / env.reset of a gym environment (float64 numpy arrays), are collected
into a list, stacked by the agent's default preprocessor with np.array + torch.tensor (dtype kept), and passed
to the float32 Q-network stored on the agent.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py) (gymnasium not installed: stubbed in the check, which passes the numpy data it would return); fixed runs
"""
import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn


def default_states_preprocessor(states):
    return torch.tensor(np.array(states))


class DQN(nn.Module):
    def __init__(self, obs_size, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_size, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


class DQNAgent:
    def __init__(self, dqn_model, epsilon=0.1, preprocessor=default_states_preprocessor):
        self.dqn_model = dqn_model
        self.epsilon = epsilon
        self.preprocessor = preprocessor

    def __call__(self, states):
        states_v = self.preprocessor(states)
        q_v = self.dqn_model(states_v)  # expect: TPF005
        actions = q_v.argmax(dim=1).numpy()
        explore = np.random.random(len(actions)) < self.epsilon
        actions[explore] = np.random.randint(q_v.shape[1], size=int(explore.sum()))
        return actions


def play(env_name="MountainCarContinuous-v0", steps=10):
    env = gym.make(env_name)
    net = DQN(env.observation_space.shape[0], 3)
    agent = DQNAgent(net)
    obs, _ = env.reset()
    for _ in range(steps):
        action = agent([obs])[0]
        obs, reward, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            obs, _ = env.reset()

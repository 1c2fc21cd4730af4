"""Source: https://github.com/nikhilbarhate99/Actor-Critic-PyTorch/issues/2
Running train.py, the reporter got "Expected object of type torch.DoubleTensor but found type
torch.FloatTensor for argument #2 'mat2'" when calling policy(state).
Shape: the state returned by env.reset()/env.step() is a numpy float64 array; the policy's forward converts
it with torch.from_numpy (dtype kept) and feeds it straight to its float32 shared affine layer; the call sits
in an episode loop of the training function.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py) (gymnasium not installed: stubbed in the check, which passes the numpy data it would return); fixed runs
"""
import gymnasium as gym
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


class ActorCritic(nn.Module):
    def __init__(self, obs_dim=8, n_actions=4):
        super().__init__()
        self.affine = nn.Linear(obs_dim, 128)
        self.action_layer = nn.Linear(128, n_actions)
        self.value_layer = nn.Linear(128, 1)
        self.logprobs, self.state_values, self.rewards = [], [], []

    def forward(self, state):
        state = torch.from_numpy(state).float()
        state = F.relu(self.affine(state))
        state_value = self.value_layer(state)
        dist = Categorical(F.softmax(self.action_layer(state), dim=-1))
        action = dist.sample()
        self.logprobs.append(dist.log_prob(action))
        self.state_values.append(state_value)
        return action.item()

    def clear_memory(self):
        del self.logprobs[:]
        del self.state_values[:]
        del self.rewards[:]


def train(episodes=2, max_steps=50, env_name="LunarLander-v2"):
    env = gym.make(env_name)
    policy = ActorCritic(env.observation_space.shape[0], env.action_space.n)
    optimizer = torch.optim.Adam(policy.parameters(), lr=0.02)
    for _ in range(episodes):
        state, _ = env.reset()
        for _ in range(max_steps):
            action = policy(state)
            state, reward, terminated, truncated, _ = env.step(action)
            policy.rewards.append(reward)
            if terminated or truncated:
                break
        optimizer.zero_grad()
        policy.clear_memory()

"""Source: https://github.com/Farama-Foundation/HighwayEnv/issues/385
The maintainer explained the reporter's failure: since the gym 0.26 API change env.reset() returns a
tuple (obs, info), so code written as obs = env.reset(); action = policy(obs) hands the policy a tuple.
Shape: a start_episode helper returns whatever env.reset(seed=...) gives; the rollout passes obs to a
module-level policy function, which converts it with torch.from_numpy(obs).
Verified: raises TypeError: expected np.ndarray (got tuple) (real gymnasium CartPole-v1); fixed runs
"""
import gymnasium as gym
import torch
import torch.nn as nn

policy_net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))


def start_episode(env, seed):
    obs, _info = env.reset(seed=seed)
    return obs


@torch.no_grad()
def policy(obs):
    x = torch.from_numpy(obs).float().unsqueeze(0)
    return int(policy_net(x).argmax(dim=1))


def rollout(seed=0, horizon=15):
    env = gym.make("CartPole-v1")
    obs = start_episode(env, seed)
    total = 0.0
    for _ in range(horizon):
        action = policy(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        if terminated or truncated:
            break
    env.close()
    return total

"""Source: https://github.com/Phoenix-Shen/ReinforcementLearning/issues/3
The reporter's PPO run failed in model.py at state = t.from_numpy(state).to(self.device) with
"TypeError: expected np.ndarray (got tuple)"; the maintainer traced it to env.reset()/env.step()
returning extra values after the gym update.
Shape: the training loop keeps state = env.reset() and passes it to the agent's choose_action method,
where the parameter is converted with torch.from_numpy(state).
Verified: raises TypeError: expected np.ndarray (got tuple) (real gymnasium Pendulum-v1); fixed runs
"""
import gymnasium as gym
import torch as t
import torch.nn as nn


class Actor(nn.Module):
    def __init__(self, n_states, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_states, 64), nn.Tanh(), nn.Linear(64, n_actions))
        self.log_std = nn.Parameter(t.zeros(n_actions))

    def forward(self, x):
        return t.distributions.Normal(self.net(x), self.log_std.exp())


class PPOAgent:
    def __init__(self, n_states, n_actions, device="cpu"):
        self.device = t.device(device)
        self.actor = Actor(n_states, n_actions).to(self.device)

    def choose_action(self, state):
        state = t.from_numpy(state).float().to(self.device)
        with t.no_grad():
            dist = self.actor(state)
            action = dist.sample()
        return action.cpu().numpy(), dist.log_prob(action).sum().item()


def train(n_episodes=1, max_steps=10):
    env = gym.make("Pendulum-v1")
    agent = PPOAgent(env.observation_space.shape[0], env.action_space.shape[0])
    for _ in range(n_episodes):
        state, _ = env.reset()
        for _ in range(max_steps):
            action, logp = agent.choose_action(state)
            state, reward, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
    env.close()

"""flake8-torch-pitfalls: a flake8 plugin that catches the PyTorch mistakes that cost people days."""

__version__ = "0.1.0"

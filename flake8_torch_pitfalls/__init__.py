"""flake8-torch-pitfalls: a flake8 plugin that catches the PyTorch mistakes that cost people days."""

#: The one place the version is written (pyproject.toml reads it; releasing is in CONTRIBUTING.md).
__version__ = "0.1.0"
#: The project's home; pyproject.toml's [project.urls] repeat it (a test keeps them equal).
HOMEPAGE = "https://github.com/flake8-torch-pitfalls/flake8-torch-pitfalls"


def rule_url(code: str) -> str:
    """A rule's page on the project's home (`torch-pitfalls explain CODE` prints the same page)."""
    return f"{HOMEPAGE}/blob/main/rules/{code}.md"

"""The codes that are off unless a user selects them.

Each rule declares `default_enabled`; this mirror lets flake8 (and the standalone command) read the set at
start-up without loading the rules, and with them libcst. A test keeps the two equal.
"""

OFF_BY_DEFAULT: frozenset[str] = frozenset({"TPF012"})

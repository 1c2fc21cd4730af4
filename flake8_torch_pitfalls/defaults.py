"""The rules' codes, and those that are off unless a user selects them.

Each rule declares `default_enabled`; this mirror lets flake8 (and the standalone command) read the set at
start-up without loading the rules, and with them libcst. A test keeps the two equal.
"""

OFF_BY_DEFAULT: frozenset[str] = frozenset({"TPF012"})
#: Every rule's code, read at start-up (is any of them selected? which codes exist?) without loading libcst.
ALL_CODES: frozenset[str] = frozenset({"TPF001", "TPF002", "TPF003", "TPF004", "TPF005", "TPF006", "TPF012"})

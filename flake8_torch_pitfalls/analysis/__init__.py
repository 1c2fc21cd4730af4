"""What the rules ask about code, computed once per file by one abstract interpretation."""

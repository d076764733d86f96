"""Review: the queue of what to check, agreement, statistics and figures."""

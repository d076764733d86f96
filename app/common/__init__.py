"""What several features share: the session model, background jobs, colours and small widgets."""

"""Pose extraction and analysis jobs started from the studio (the core is imported on first use)."""

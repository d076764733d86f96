"""The timeline: predicted segments, label lanes, curves; data shaping and mouse handling."""

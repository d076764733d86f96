"""Opening, creating and closing labeling projects."""

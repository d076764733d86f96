"""Export of fine-tuning sets, fine-tuning runs and What changed."""

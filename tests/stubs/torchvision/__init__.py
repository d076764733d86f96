"""Test-only stand-in for torchvision: just enough for pytorchvideo's model code to import.

The registry's torchvision does not work with the CPU torch used here; pytorchvideo.models
imports ``torchvision.ops.RoIAlign`` at package import but X3D never uses it.
"""

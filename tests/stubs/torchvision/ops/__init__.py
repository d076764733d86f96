"""Stub of ``torchvision.ops`` for tests (see the package docstring)."""


class RoIAlign:  # noqa: D101 - placeholder, fails loudly if anything really uses it
    def __init__(self, *args, **kwargs):
        raise RuntimeError("torchvision.ops.RoIAlign is a test stub and cannot be used")

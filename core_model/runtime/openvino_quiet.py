"""OpenVINO imported without its usage telemetry.

``import openvino`` sends a usage event to Google Analytics unless the user opted out with OpenVINO's own
``opt_in_out`` tool (a consent file in their home folder): it forks a process to do so, which outlives a killed
extraction and keeps its process group alive. EPAM Studio sends nothing anywhere: every import of OpenVINO in this
project goes through :func:`import_openvino`, which declines the telemetry in this process first.
"""
from __future__ import annotations


def import_openvino():
    """The ``openvino`` module, its telemetry declined in this process (see the module docstring)."""
    decline_telemetry()
    import openvino

    return openvino


def decline_telemetry() -> None:
    """Make OpenVINO's telemetry find the user's consent declined (for this process only; nothing is written)."""
    try:
        from openvino_telemetry.utils.opt_in_checker import ConsentCheckResult, OptInChecker
    except ImportError:  # another telemetry package layout, or none: nothing to decline
        return
    OptInChecker.check = _declined


def _declined(_checker, *_args, **_kwargs):
    from openvino_telemetry.utils.opt_in_checker import ConsentCheckResult

    return ConsentCheckResult.DECLINED

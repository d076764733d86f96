"""Articulated figures for synthetic sets: motions as joint angles, forward kinematics to COCO-17.

Body units: the figure is about 1 tall, origin at the hip centre, x right (the person's left is
the image right: the figure faces the camera), y down. Angles are measured from hanging straight
down, positive outwards (away from the body's midline).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import numpy as np

UPPER_ARM, FOREARM, THIGH, SHIN = 0.18, 0.17, 0.25, 0.25
RIGHT, LEFT = -1.0, 1.0  # x direction of the person's right / left side

# COCO-17 joint indices
NOSE, L_EYE, R_EYE, L_EAR, R_EAR = 0, 1, 2, 3, 4
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 5, 6, 7, 8, 9, 10
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 11, 12, 13, 14, 15, 16


@dataclass
class Pose:
    """Per-frame controls (each an array of T values)."""

    arm_r: np.ndarray
    forearm_r: np.ndarray
    arm_l: np.ndarray
    forearm_l: np.ndarray
    thigh_r: np.ndarray
    shin_r: np.ndarray
    thigh_l: np.ndarray
    shin_l: np.ndarray
    lift_r: np.ndarray  # vertical foreshortening of the thigh (1 = straight, <1 = knee raised forward)
    lift_l: np.ndarray
    torso: np.ndarray   # vertical scale of the upper body (bowing < 1)
    dx: np.ndarray
    dy: np.ndarray


def rest(t: np.ndarray) -> Pose:
    z, one = np.zeros_like(t), np.ones_like(t)
    return Pose(z + 0.12, z + 0.12, z + 0.12, z + 0.12, z + 0.04, z + 0.04, z + 0.04, z + 0.04, one.copy(),
                one.copy(), one.copy(), z.copy(), z.copy())


def forward_kinematics(p: Pose) -> np.ndarray:
    """(T, 17, 2) joint positions in body units."""
    t = len(p.dx)
    out = np.zeros((t, 17, 2), np.float64)
    c = p.torso
    out[:, NOSE] = np.stack([0 * c, -0.42 * c], 1)
    out[:, L_EYE] = np.stack([0 * c + 0.03, -0.45 * c], 1)
    out[:, R_EYE] = np.stack([0 * c - 0.03, -0.45 * c], 1)
    out[:, L_EAR] = np.stack([0 * c + 0.06, -0.43 * c], 1)
    out[:, R_EAR] = np.stack([0 * c - 0.06, -0.43 * c], 1)
    for side, sh, el, wr, a, b in ((LEFT, L_SHOULDER, L_ELBOW, L_WRIST, p.arm_l, p.forearm_l),
                                   (RIGHT, R_SHOULDER, R_ELBOW, R_WRIST, p.arm_r, p.forearm_r)):
        out[:, sh] = np.stack([0 * c + 0.12 * side, -0.30 * c], 1)
        out[:, el] = out[:, sh] + UPPER_ARM * np.stack([side * np.sin(a), np.cos(a)], 1)
        out[:, wr] = out[:, el] + FOREARM * np.stack([side * np.sin(b), np.cos(b)], 1)
    for side, hip, knee, ankle, a, b, f in ((LEFT, L_HIP, L_KNEE, L_ANKLE, p.thigh_l, p.shin_l, p.lift_l),
                                            (RIGHT, R_HIP, R_KNEE, R_ANKLE, p.thigh_r, p.shin_r, p.lift_r)):
        out[:, hip] = np.stack([0 * c + 0.08 * side, 0 * c], 1)
        out[:, knee] = out[:, hip] + THIGH * np.stack([side * np.sin(a), np.cos(a) * f], 1)
        out[:, ankle] = out[:, knee] + SHIN * np.stack([side * np.sin(b), np.cos(b)], 1)
    out += np.stack([p.dx, p.dy], 1)[:, None, :]
    return out


def _cycle(theta: np.ndarray) -> np.ndarray:
    """0 -> 1 -> 0 once per period."""
    return 0.5 - 0.5 * np.cos(theta)


def idle(theta, p: Pose) -> None:
    sway = 0.04 * np.sin(theta)
    p.arm_r, p.arm_l = p.arm_r + sway, p.arm_l - sway
    p.forearm_r, p.forearm_l = p.arm_r + 0.05, p.arm_l + 0.05
    p.dx = p.dx + 0.015 * np.sin(0.5 * theta)


def wave(theta, p: Pose) -> None:
    p.arm_r = p.arm_r * 0 + 2.35
    p.forearm_r = 2.85 + 0.45 * np.sin(theta)


def clap(theta, p: Pose) -> None:
    s = _cycle(theta)
    p.arm_r = p.arm_l = 0.35 + 0 * s
    p.forearm_r = p.forearm_l = -0.3 - 1.05 * s


def lift(theta, p: Pose) -> None:
    """Curl the right forearm up and down (the object-holding classes all share this motion)."""
    s = _cycle(theta)
    p.arm_r = 0.15 + 0.1 * s
    p.forearm_r = 0.15 + 2.5 * s


def squat(theta, p: Pose) -> None:
    d = _cycle(theta)
    drop = 0.16 * d
    bend = np.arccos(np.clip((0.5 - drop) / (THIGH + SHIN), -1, 1))
    p.dy = p.dy + drop
    p.thigh_r = p.thigh_l = 0.04 + bend
    p.shin_r = p.shin_l = 0.04 - bend
    p.arm_r = p.arm_l = 0.2 + 1.0 * d
    p.forearm_r = p.forearm_l = 0.2 + 1.3 * d


def jumping_jacks(theta, p: Pose) -> None:
    s = _cycle(theta)
    p.arm_r = p.arm_l = 0.15 + 2.6 * s
    p.forearm_r = p.forearm_l = 0.15 + 2.8 * s
    p.thigh_r = p.thigh_l = p.shin_r = p.shin_l = 0.04 + 0.28 * s


def punch(theta, p: Pose) -> None:
    s = _cycle(theta)
    p.arm_r = 0.25 + 1.35 * s
    p.forearm_r = p.arm_r - 1.9 * (1 - s)
    p.arm_l = 0.25 + 0 * s
    p.forearm_l = -1.65 + 0 * s


def kick(theta, p: Pose) -> None:
    s = _cycle(theta)
    p.thigh_r = 0.04 + 1.1 * s
    p.shin_r = p.thigh_r - 0.3 * s
    p.arm_r = p.arm_l = 0.35 + 0.2 * s
    p.forearm_r, p.forearm_l = p.arm_r, p.arm_l


def march(theta, p: Pose) -> None:
    up_r, up_l = np.maximum(0, np.sin(theta)), np.maximum(0, -np.sin(theta))
    p.lift_r, p.lift_l = np.cos(1.4 * up_r), np.cos(1.4 * up_l)
    p.arm_r, p.arm_l = 0.12 + 0.5 * up_l, 0.12 + 0.5 * up_r
    p.forearm_r, p.forearm_l = p.arm_r - 0.6 * up_l, p.arm_l - 0.6 * up_r


def bow(theta, p: Pose) -> None:
    s = _cycle(theta)
    p.torso = 1.0 - 0.45 * s
    p.arm_r = p.arm_l = 0.12 - 0.08 * s


def jump(theta, p: Pose) -> None:
    up = np.maximum(0, np.sin(theta))
    p.dy = p.dy - 0.16 * up
    p.lift_r = p.lift_l = 1.0 - 0.25 * up
    p.arm_r = p.arm_l = 0.2 + 0.9 * up
    p.forearm_r, p.forearm_l = p.arm_r + 0.2 * up, p.arm_l + 0.2 * up


Motion = Callable[[np.ndarray, Pose], None]

#: (class name, motion, held object (shape, RGB) or None). Appearance-only groups share a motion.
CATALOG: Tuple[Tuple[str, Motion, Optional[Tuple[str, Tuple[int, int, int]]]], ...] = (
    ("wave", wave, None),
    ("clap", clap, None),
    ("lift_red_ball", lift, ("ball", (225, 30, 30))),
    ("lift_blue_cube", lift, ("cube", (30, 60, 230))),
    ("squat", squat, None),
    ("jumping_jacks", jumping_jacks, None),
    ("punch", punch, None),
    ("lift_green_ball", lift, ("ball", (30, 200, 60))),
    ("kick", kick, None),
    ("march", march, None),
    ("bow", bow, None),
    ("jump", jump, None),
    ("lift_yellow_cube", lift, ("cube", (235, 215, 20))),
)

MOTION_NAMES: Dict[Motion, str] = {wave: "wave", clap: "clap", lift: "lift", squat: "squat",
                                   jumping_jacks: "jumping_jacks", punch: "punch", kick: "kick", march: "march",
                                   bow: "bow", jump: "jump", idle: "idle"}


def body_keypoints(motion: Motion, frames: int, fps: float, *, freq: float, phase: float) -> np.ndarray:
    """(T, 17, 2) body-unit keypoints of one performance of ``motion``."""
    t = np.arange(frames) / fps
    theta = 2 * np.pi * freq * t + phase
    p = rest(t)
    motion(theta, p)
    for name, value in vars(p).items():  # motions may set scalars broadcast against arrays
        setattr(p, name, np.broadcast_to(np.asarray(value, np.float64), t.shape).copy())
    return forward_kinematics(p)

"""DistributedDataParallel plumbing: ``torchrun`` sets RANK / WORLD_SIZE / LOCAL_RANK (NCCL on GPUs, gloo on CPUs)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, List

import torch
import torch.distributed as dist


@dataclass
class Dist:
    """This process's place in the run; a single process is ``rank 0 of 1`` and every call is a no-op."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    started: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls, device_type: str) -> "Dist":
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
        if not dist.is_initialized():
            backend = "nccl" if device_type == "cuda" else "gloo"
            dist.init_process_group(backend=backend, timeout=timedelta(minutes=30))
        return cls(rank, world, local, True)

    def barrier(self) -> None:
        if self.started:
            dist.barrier()

    def any(self, flag: bool) -> bool:
        """True on every process if ``flag`` is true on any (used so a Stop stops all ranks at the same step)."""
        if not self.started:
            return bool(flag)
        t = torch.tensor([1.0 if flag else 0.0])
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def mean(self, value: float) -> float:
        if not self.started:
            return float(value)
        t = torch.tensor([float(value)], dtype=torch.float64)
        dist.all_reduce(t)
        return float(t.item() / self.world)

    def gather(self, obj: Any) -> List[Any]:
        if not self.started:
            return [obj]
        out: List[Any] = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def sync_buffers(self, module: torch.nn.Module) -> None:
        """Give every process rank 0's BatchNorm statistics (DDP syncs them at each forward, not after the last)."""
        if not self.started:
            return
        for buf in module.buffers():
            dist.broadcast(buf.data, src=0)

    def shutdown(self) -> None:
        if self.started and dist.is_initialized():
            dist.destroy_process_group()
            self.started = False

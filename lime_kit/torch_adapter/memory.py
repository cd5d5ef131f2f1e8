"""A module's device, and default batch sizes on it: as many rows as fit in a share of its free memory."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["FREE_MEMORY_SHARE", "module_device", "probe_batch_size"]

#: Share of the device's free memory a default batch may plan to use.
FREE_MEMORY_SHARE = 0.5


def probe_batch_size(score_two_rows: Callable[[], object], device, largest: int) -> int:
    """Rows per batch that fit in ``FREE_MEMORY_SHARE`` of the free memory of a CUDA ``device``.

    ``score_two_rows()`` runs the whole scoring path on two rows; one row's
    share of its peak memory (inputs, activations, outputs) sets how many
    rows fit. Returns at most ``largest`` and at least 1.
    """
    import torch

    torch.cuda.synchronize(device)
    baseline = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    score_two_rows()
    per_row = max(1, (torch.cuda.max_memory_allocated(device) - baseline) // 2)
    free, _ = torch.cuda.mem_get_info(device)
    return max(1, min(int(largest), int(FREE_MEMORY_SHARE * free // per_row)))


def module_device(module):
    """The device of a module's first parameter or buffer; the CPU for a module without any."""
    import torch

    for tensor in list(module.parameters()) + list(module.buffers()):
        return tensor.device
    return torch.device("cpu")

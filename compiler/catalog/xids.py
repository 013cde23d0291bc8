"""XIDs that mean the GPU or its memory failed, not the application: the ones the GPU alert pages on.

One row per XID: (meaning, what clears it, source). Application faults (13 graphics engine exception, 31 GPU
memory page fault, 43 channel reset after a software fault, 45 channel teardown on exit) are left out: NVIDIA's
Xid Catalog puts them in the RESTART_APP bucket.
"""

from __future__ import annotations

XID_CATALOG = "NVIDIA Xid Catalog (docs.nvidia.com/deploy/xid-errors/analyzing-xid-catalog.html)"
PAGE_RETIREMENT = "NVIDIA Dynamic Page Retirement, Visibility (docs.nvidia.com/deploy/dynamic-page-retirement)"

HARDWARE_XIDS: dict[int, tuple[str, str, str]] = {
    46: ("GPU stopped processing", "reset the GPU (drain first)",
         "NVIDIA Health Validation, Xid checks: gpu_xid_46 CRITICAL, drain then reset_gpu"),
    48: ("double-bit (uncorrectable) ECC error", "reset the GPU or reboot the node", PAGE_RETIREMENT),
    63: ("row remapping or page retirement recorded", "reset the GPU to apply it", PAGE_RETIREMENT),
    64: ("row remapping or page retirement failed", "drain; replace the GPU", PAGE_RETIREMENT),
    74: ("NVLink error", "reset the GPU or reboot the node",
         "NVIDIA Xid Errors (docs.nvidia.com/deploy/xid-errors), Xid 74"),
    79: ("GPU has fallen off the bus", "drain and reboot; replace on recurrence",
         "NVIDIA GPU Operational Events release notes: GPU-BUS 0x0003, Xid 79"),
    92: ("high single-bit ECC error rate", "watch; replace on recurrence", XID_CATALOG),
    94: ("contained ECC error", "reset the GPU", XID_CATALOG),
    95: ("uncontained ECC error", "reset the GPU (drain first)", XID_CATALOG),
    119: ("GSP RPC timeout", "reset the GPU (drain first)", XID_CATALOG),
    120: ("GSP error", "reset the GPU (drain first)", XID_CATALOG),
}
"""Hardware XID -> (meaning, what clears it, source)."""

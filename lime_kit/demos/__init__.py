"""End-to-end demos run by ``lime-kit demo <modality>`` on the bundled data.

Each demo trains a model, explains one prediction and writes a PNG and an
HTML page into a folder. Demos are registered here by name as
``"module:function"``; each function takes the output folder and returns
the written paths.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

DEMOS = {
    "tabular": "lime_kit.demos.tabular:run",
    "text": "lime_kit.demos.text:run",
    "image": "lime_kit.demos.image:run",
}


def run_demo(name: str, folder) -> list[Path]:
    """Run the demo ``name`` and return the files it wrote."""
    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; choose one of {sorted(DEMOS)}")
    module, function = DEMOS[name].split(":")
    return getattr(import_module(module), function)(Path(folder))

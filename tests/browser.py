"""Headless Chromium for the browser tests: where it is, how it is started, and a dark page."""

import shutil
import subprocess

CHROMIUM = next(
    (shutil.which(name) for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
    None,
)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DARK = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]


def chromium(page, tmp_path, *args: str, size: str = "1200,1600") -> str:
    """Run Chromium on ``page`` (a Path) with a fresh profile under ``tmp_path``; return what it printed."""
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120).stdout

"""Pages as a person sees them: headless Chromium (Debian's package) renders a page, scripts included.

The tests run offline: every host name but loopback fails at once instead of waiting for DNS, so a page that
asks a public CDN for its scripts renders in a second rather than six."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path


def page_text(url: str, profile: Path) -> str:
    """What headless Chromium shows at ``url`` once the page's scripts have run, as plain text (the rendered
    page's elements, without its scripts and styles)."""
    shown = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                            f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom", url],
                           capture_output=True, text=True, timeout=120)
    visible = re.sub(r"<(script|style)\b.*?</\1>", " ", shown.stdout, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(re.sub(r"<[^>]+>", " ", visible).replace("&nbsp;", " ").split())

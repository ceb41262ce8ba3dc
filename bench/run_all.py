"""Run every benchmark in bench/ in turn (each prints its own table with ratios)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["extraction.py", "segmentation.py", "claims.py", "topics.py", "checks.py", "search.py", "ingest.py"]

if __name__ == "__main__":
    failed = []
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            continue
        print(f"\n===== bench/{name} =====", flush=True)
        if subprocess.call([sys.executable, str(path)], cwd=HERE.parent) != 0:
            failed.append(name)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")

"""The Docker tests reuse the service tests' images and requests (tests/app/app_fixtures.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

import os
import sys
from pathlib import Path

# Lets test modules in sub-folders share tests/reference.py under --import-mode=importlib.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import settings

# CI runs the same examples every time (a red build is then reproducible); locally hypothesis explores.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

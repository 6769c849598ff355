import sys
from pathlib import Path

# Lets test modules in sub-folders share tests/reference.py under --import-mode=importlib.
sys.path.insert(0, str(Path(__file__).resolve().parent))

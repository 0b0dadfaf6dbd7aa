"""The client package lives in client/ (installable on its own with `pip install ./client`);
its tests import it from the source folder, so a fresh clone needs no extra install."""

import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
if str(CLIENT) not in sys.path:
    sys.path.insert(0, str(CLIENT))

"""The test suite's settings: Kepu's own, with a file-system broker folder of the tests' own.

A development worker (`make run`) reads `var/broker`; were the tests to queue their tasks there too, it
would take them and run them against the wrong database. The worker processes the tests start are given
this folder (tests/conftest.py, Worker), and CELERY_BROKER_DIR set in the environment still wins.
"""

import os
from pathlib import Path

os.environ.setdefault("CELERY_BROKER_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test-broker"))

from kepu.settings import *  # noqa: F403

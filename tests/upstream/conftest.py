"""Fixtures of the real-upstream tests; the harness itself is ghaf_harness.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ghaf_harness import Evaluate, evaluate, upstream_dir


@pytest.fixture(scope="session")
def upstream() -> Path:
    return upstream_dir()


@pytest.fixture(scope="session")
def ghaf_eval(upstream: Path) -> Evaluate:
    def run(**args: Any) -> dict[str, Any]:
        return evaluate(upstream, **args)

    return run

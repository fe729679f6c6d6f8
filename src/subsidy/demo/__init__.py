"""A realistic scenario on the configured database, and a summary of it.

Every command carries an idempotency key, so running the demo again records nothing new and
prints the same summary.
"""

from subsidy.demo.clock import ScenarioClock
from subsidy.demo.scenario import run_demo

__all__ = ["ScenarioClock", "run_demo"]

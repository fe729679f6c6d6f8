"""The service layer: one method per use case, every decision recorded as events."""

from subsidy.application.engine import SubsidyEngine

__all__ = ["SubsidyEngine"]

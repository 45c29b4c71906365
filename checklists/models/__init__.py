from .audit import AuditEvent
from .outlines import (
    AnswerType,
    Outline,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
    Responsible,
)
from .people import Unit, User
from .visits import (
    ChecklistItem,
    DayOff,
    Milestone,
    TeamMembership,
    Visit,
    WorkingSession,
)

__all__ = [
    "AnswerType",
    "AuditEvent",
    "ChecklistItem",
    "DayOff",
    "Milestone",
    "Outline",
    "OutlineItem",
    "OutlineMilestone",
    "OutlineSection",
    "Responsible",
    "TeamMembership",
    "Unit",
    "User",
    "Visit",
    "WorkingSession",
]

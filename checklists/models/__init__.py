from .audit import AuditEvent
from .conclusions import Conclusion, ConclusionSection, OutgoingRegister, Recommendation
from .document_templates import DocumentTemplate
from .documents import Document
from .feeds import CalendarFeed
from .implementation_reports import EvidenceFile, ImplementationReport
from .import_jobs import ImportJob
from .invitations import Invitation
from .legal import LegalInstrument
from .outlines import (
    AnswerType,
    Outline,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
    Responsible,
)
from .people import Unit, User
from .programmes import Programme, ProgrammeEntry
from .reminders import Notification, NotificationDigest, Reminder
from .reports import ReportRevision, Review, ReviewComment, RevisionComparison
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
    "CalendarFeed",
    "ChecklistItem",
    "Conclusion",
    "ConclusionSection",
    "DayOff",
    "Document",
    "DocumentTemplate",
    "EvidenceFile",
    "ImplementationReport",
    "ImportJob",
    "Invitation",
    "LegalInstrument",
    "Milestone",
    "Notification",
    "NotificationDigest",
    "OutgoingRegister",
    "Outline",
    "OutlineItem",
    "OutlineMilestone",
    "OutlineSection",
    "Programme",
    "ProgrammeEntry",
    "Recommendation",
    "Reminder",
    "ReportRevision",
    "Responsible",
    "Review",
    "ReviewComment",
    "RevisionComparison",
    "TeamMembership",
    "Unit",
    "User",
    "Visit",
    "WorkingSession",
]

"""The Django admin: where coordinators manage units, people, outlines, visits,
deadlines and declared days off.

Admin access is Django's own: coordinators are staff (`is_staff`) and hold the model
permissions of their job, usually through a group. On top of that every list is
narrowed to the coordinator's unit subtree (checklists.selectors), so a coordinator
of one province never sees another province's visits; superusers see everything.

Writes go through checklists.services, so the admin keeps the same rules, dates
the same deadlines and leaves the same audit trail as the API.

Importing the modules registers their ModelAdmins with the admin site.
"""

from checklists.admin import (
    activity,
    checklist,
    legal,
    outlines,
    people,
    programmes,
    records,
    visits,
)

__all__ = [
    "activity",
    "checklist",
    "legal",
    "outlines",
    "people",
    "programmes",
    "records",
    "visits",
]

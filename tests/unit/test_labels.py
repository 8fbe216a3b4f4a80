"""Every stored state has a label people read (app/components/labels.py): a new enum value
without one would show raw ("in_progress") in a table."""

from app.components import labels
from app.models.enums import ChatStatus, DraftStatus, FollowUpStatus, Role, ServiceStatus, TaskStatus


def test_every_stored_state_has_a_human_label():
    for enum, mapping in [(ServiceStatus, labels.SERVICE_STATUS), (TaskStatus, labels.TASK_STATUS),
                          (DraftStatus, labels.DRAFT_STATUS), (FollowUpStatus, labels.FOLLOW_UP_STATUS),
                          (ChatStatus, labels.CHAT_STATUS), (Role, labels.ROLE)]:
        for member in enum:
            label = mapping[member.value]
            assert label[0].isupper() and "_" not in label, (enum.__name__, member.value, label)

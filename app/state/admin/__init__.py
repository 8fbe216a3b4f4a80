"""The admin area's states, one substate per concern, so an admin event loads (and, with Redis,
writes back) only its own concern's vars:

- lists.py: the lists pushed from the shared admin view (messages, statuses, users, clients,
  maintenance windows, uptime, message statistics)
- publish.py: the publish form and the edit dialog (edit, withdraw, clear an override)
- maintenance.py: scheduled maintenance (schedule, extend, cancel)
- bulk.py: one status to several clients
- uptime.py: which scope the uptime card shows
- paged.py, audit.py, history.py: the audit log and status history windows, on one paged-window mixin
- tokens.py: API tokens

Every handler asks the database who is calling (the SignedIn mixin) before it changes anything.
"""

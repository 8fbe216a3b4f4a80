"""Read models: the bounded windows of data that pages show, each read with indexed queries.

A window's cost depends on what it shows (at most one page of rows), never on the tenant's size.
"""

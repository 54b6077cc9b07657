"""The bureau's case system (persons, enrollments, applications) as our own store.

In a real deployment this is the bureau's case-work system; here it is a separate SQL schema behind
one adapter (:class:`casework.store.CaseworkStore`), filled with synthetic demo data.
"""

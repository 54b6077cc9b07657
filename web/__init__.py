"""The web side: the residents' chat page (and, later, the staff console), served on :8000."""

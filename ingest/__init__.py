"""Intake: the watched folder, `tablescan submit` and HTTP upload all end in intake.accept()."""

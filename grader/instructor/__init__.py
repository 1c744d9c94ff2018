"""Instructor tools: generating the student templates and calibrating the reference metrics."""

"""Instructor tools: generating the student templates, calibrating the reference metrics, and
releasing the homework (CI workflows, the Gradescope bundle, the student hand-out)."""

"""Reports of graded submissions: terminal text, JSON (contract), Gradescope, JUnit XML, the CSV
gradebook and per-student HTML feedback, all written atomically."""

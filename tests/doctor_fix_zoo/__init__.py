"""Models for tests/test_doctor_fixes.py, written for these tests (tconv's licence) after the architectures named in
each file: tiny channel counts, so that real forward passes on the CPU take milliseconds. Each file stands alone
(the harness copies a file, edits it as a fix prints, and imports the copy)."""

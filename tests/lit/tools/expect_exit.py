"""Runs a command and checks its exit status exactly (lit's `not` accepts any failure).

usage: expect_exit.py STATUS -- COMMAND...  (stdout and stderr pass through)
"""
import subprocess
import sys

want = int(sys.argv[1])
assert sys.argv[2] == "--"
status = subprocess.run(sys.argv[3:]).returncode
if status != want:
    what = f"signal {-status}" if status < 0 else f"status {status}"
    sys.exit(f"expect_exit: {' '.join(sys.argv[3:])} ended with {what}, expected {want}")

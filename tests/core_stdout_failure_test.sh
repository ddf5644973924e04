#!/usr/bin/env bash
# The program's stdout write is checked (plugin/main.cpp through core/files.hpp): when the answer cannot be
# written, the run fails with exit 1 and one line on stderr, instead of a silent success.
# Usage: tests/core_stdout_failure_test.sh BINARY
set -uo pipefail
bin=$1
passed=0 failed=0
check() {  # name, expected exit, expected stderr part, actual exit, actual stderr
  if [ "$4" -eq "$2" ] && [[ "$5" == *"$3"* ]] && [ "$(printf '%s\n' "$5" | wc -l)" -eq 1 ]; then
    echo "ok - $1"; passed=$((passed + 1))
  else
    echo "not ok - $1 (exit $4, stderr: $5)"; failed=$((failed + 1))
  fi
}

err=$("$bin" --version 2>&1 >/dev/full); rc=$?
check "a full disk" 1 "codeartifact-token: cannot write standard output: No space left on device" "$rc" "$err"
err=$("$bin" --help 2>&1 >&-); rc=$?
check "a closed stdout" 1 "codeartifact-token: cannot write standard output: Bad file descriptor" "$rc" "$err"
err=$("$bin" --version 2>&1 >/dev/null); rc=$?
check "the control: stdout works" 0 "" "$rc" "x"
# Terraform's query larger than the 1 MiB bound: refused with one line (exit 2), not read without end.
err=$(head -c 2000000 /dev/zero | "$bin" 2>&1 >/dev/null); rc=$?
check "stdin larger than 1 MiB" 2 "codeartifact-token: cannot read standard input: it is larger than 1048576 bytes" "$rc" "$err"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

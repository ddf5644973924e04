#!/usr/bin/env bash
# valgrind memcheck over the main flows of the release build: a token fetch (json), text output, a
# Terraform query on stdin, a token from the cache, a 503 that fails after its retries, a TLS refusal
# (expired certificate) and a usage error. Zero errors are required, and each run must still exit as
# the program does without valgrind (valgrind's own --error-exitcode is 99).
#
# Usage (with the servers up): tests/tools/with-servers tests/valgrind_test.sh STATIC DYNAMIC
#   STATIC   the release-static executable itself (what ships)
#   DYNAMIC  the same release objects linked against the shared C and C++ libraries
#
# Why two binaries. memcheck tracks the heap by replacing malloc and free, and it does that from a library
# the dynamic loader preloads; a fully static executable has no dynamic loader, so in STATIC valgrind sees
# no heap at all ("total heap usage: 0 allocs"): no leak check, no heap bounds. And static glibc puts its
# thread-local storage in memory from brk, relying on the kernel to zero it, which memcheck takes as
# undefined: every read of a thread-local (errno, malloc's tcache, Asio's and OpenSSL's per-thread state)
# is then reported as a use of an uninitialised value, in glibc and in any code above it. So:
#   - STATIC runs with --undef-value-errors=no: memcheck still checks every access against what is
#     mapped (stack, data, brk, mmap), system call arguments, and the run itself on its synthetic CPU;
#   - DYNAMIC runs with every check (uninitialised values, heap bounds, use after free, definite leaks).
# No suppression is needed for either (tests/valgrind.supp is used when present, for glibc or OpenSSL
# internals only, each entry with a comment).
set -uo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 STATIC_BINARY DYNAMIC_BINARY" >&2
  exit 2
fi
static_bin=$1
dynamic_bin=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

if ! command -v valgrind >/dev/null 2>&1; then
  fail "valgrind is installed (apt-get install valgrind)"
  echo "$passed passed, $failed failed"
  exit 1
fi
for b in "$static_bin" "$dynamic_bin"; do
  [ -x "$b" ] || { fail "$b exists"; echo "$passed passed, $failed failed"; exit 1; }
done
if ldd "$static_bin" >/dev/null 2>&1; then fail "STATIC is a static executable"; else ok "STATIC is a static executable"; fi
if ldd "$dynamic_bin" >/dev/null 2>&1; then ok "DYNAMIC uses the shared C library"; else fail "DYNAMIC uses the shared C library"; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/cat-valgrind.XXXXXXXX")"
trap 'rm -rf "$work"' EXIT
supp=()
[ -f "$here/valgrind.supp" ] && supp=(--suppressions="$here/valgrind.supp")
common=(--tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
        --num-callers=40 "${supp[@]}")

# Every run gets its own HOME (so its own token cache) unless it names one.
base_env=(env -i PATH=/usr/bin:/bin AWS_ACCESS_KEY_ID=AKIDEXAMPLE
          AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY AWS_REGION=us-west-2
          "AWS_CA_BUNDLE=$CAT_TEST_CA" AWS_EC2_METADATA_DISABLED=true
          "AWS_ENDPOINT_URL_CODEARTIFACT=https://127.0.0.1:$CAT_TEST_PORT_MAIN")
n=0

# vg KIND NAME EXPECTED_RC STDOUT_PATTERN HOME STDIN -- ARGS...: one run under valgrind, and its checks.
vg() {
  local kind=$1 name=$2 want=$3 pattern=$4 home=$5 input=$6
  shift 7
  local bin=$static_bin extra=(--undef-value-errors=no)
  if [ "$kind" = dynamic ]; then bin=$dynamic_bin extra=(); fi
  n=$((n + 1))
  local log="$work/$n.log" out="$work/$n.out" err="$work/$n.err" rc
  "${base_env[@]}" "HOME=$home" valgrind "${common[@]}" "${extra[@]}" --log-file="$log" "$bin" "$@" \
    <"$input" >"$out" 2>"$err"
  rc=$?
  local summary
  summary="$(grep -o 'ERROR SUMMARY: [0-9]* errors' "$log" | tail -1)"
  if [ "$rc" -eq "$want" ] && [ "$summary" = "ERROR SUMMARY: 0 errors" ]; then
    ok "$kind: $name: exit $want, $summary"
  else
    fail "$kind: $name: exit $rc (want $want), ${summary:-no summary}"
    sed 's/^/#   /' "$log" | head -80
    sed 's/^/#   stderr: /' "$err" | head -5
  fi
  if grep -Eq "$pattern" "$out" "$err"; then
    ok "$kind: $name: the program did its work ($pattern)"
  else
    fail "$kind: $name: expected /$pattern/ in its output"
    sed 's/^/#   /' "$out" "$err" | head -10
  fi
  if [ "$kind" = dynamic ]; then
    # The leak check means something only when valgrind tracked the heap.
    if grep -Eq "total heap usage: [1-9][0-9,]* allocs" "$log" && ! grep -q "definitely lost: [1-9]" "$log"; then
      ok "$kind: $name: heap tracked, no definite leak"
    else
      fail "$kind: $name: heap tracked, no definite leak ($(grep -E 'total heap usage|definitely lost' "$log" | tr -s ' '))"
    fi
  fi
}

query="$work/query.json"
printf '{"Domain": "vg-terraform-%s", "DomainOwner": "111122223333"}' "$RANDOM" >"$query"
for kind in static dynamic; do
  home="$work/home-$kind"
  mkdir -p "$home"
  d="vg-json-$kind-$RANDOM"
  vg "$kind" "token fetch (json)" 0 '"authorization_token":"eyJ' "$home" /dev/null -- --domain "$d"
  vg "$kind" "token from the cache (json)" 0 '"from_cache":"true"' "$home" /dev/null -- --domain "$d"
  vg "$kind" "text output" 0 '^eyJ' "$(mktemp -d "$work/h.XXXX")" /dev/null -- --domain "vg-text-$RANDOM" --output text
  vg "$kind" "Terraform query on stdin" 0 '^\{"authorization_token":"eyJ' "$(mktemp -d "$work/h.XXXX")" "$query" --
  vg "$kind" "503 always: retried, then fails" 4 'ServiceUnavailableException.*after 3 attempts' \
    "$(mktemp -d "$work/h.XXXX")" /dev/null -- --domain "unavailable-vg-$RANDOM" --no-cache
  vg "$kind" "TLS refusal (expired certificate)" 5 'handshake failed: certificate verify failed: certificate has expired' \
    "$(mktemp -d "$work/h.XXXX")" /dev/null -- --domain "vg-tls-$RANDOM" --no-cache \
    --endpoint-url "https://127.0.0.1:$CAT_TEST_PORT_EXPIRED"
  vg "$kind" "usage error" 2 'did you mean --domain' "$(mktemp -d "$work/h.XXXX")" /dev/null -- --domian x
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

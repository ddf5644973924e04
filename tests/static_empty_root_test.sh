#!/usr/bin/env bash
# The release-static binary in an empty root: only the binary and a CA bundle, as in the container image
# (Dockerfile: FROM scratch). It must fetch a token from the loopback endpoint with nothing else there:
# no shared libraries, no /etc/nsswitch.conf, no OpenSSL configuration, no /tmp, no HOME.
# Usage (with the servers up): tests/tools/with-servers tests/static_empty_root_test.sh BINARY
set -euo pipefail
bin=$1
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

if [ "$(id -u)" -ne 0 ]; then
  # unshare -r gives a user namespace in which chroot is allowed.
  exec unshare -r "$0" "$@"
fi

chroot_bin=$(command -v chroot)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/ssl/certs"
cp "$bin" "$root/codeartifact-token"
cp "$CAT_TEST_CA" "$root/etc/ssl/certs/ca-certificates.crt"   # the image's CA bundle, here the test CA

if ldd "$bin" >/dev/null 2>&1; then fail "binary is static (ldd: $(ldd "$bin" 2>&1 | head -1))"; else ok "binary is static"; fi
size=$(stat -c %s "$bin")
echo "# binary size: $size bytes ($(( size / 1024 )) KiB)"
echo "# root contents: $(cd "$root" && find . -type f | sort | tr '\n' ' ')"

out=$(env -i AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
        AWS_REGION=us-west-2 "$chroot_bin" "$root" /codeartifact-token --domain empty-root \
        --endpoint-url "https://127.0.0.1:${CAT_TEST_PORT_MAIN}" --output text 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == eyJ* ]]; then ok "fetches a token in an empty root (default trust store)"; else fail "fetch in an empty root: rc=$rc $out"; fi

out=$(env -i AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
        AWS_REGION=us-west-2 "$chroot_bin" "$root" /codeartifact-token --domain empty-root \
        --endpoint-url "https://localhost:${CAT_TEST_PORT_MAIN}" --output text 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ]; then ok "localhost resolves without /etc/hosts"; else fail "localhost in an empty root: rc=$rc $out"; fi

out=$(env -i "$chroot_bin" "$root" /codeartifact-token --version 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == codeartifact-token* ]]; then ok "--version"; else fail "--version: $out"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

# The loopback CodeArtifact endpoint that bench/run and bench/guard measure against; sourced, not run.
#
#   source bench/endpoint.sh
#   endpoint_start DIR     # certificates, token and nginx under DIR; sets the variables below
#   endpoint_stop          # stops nginx (also safe when it never started)
#
# Debian's nginx on 127.0.0.1, as the current user, in the foreground (daemon off), from the prefix DIR/nginx:
# an RSA-2048 certificate for 127.0.0.1 from a test CA made here, answering POST /v1/authorization-token with
# a canned GetAuthorizationToken answer (a 1,100-byte token, valid for 12 hours). Two ports, one per TLS
# version: ENDPOINT_PORT_TLS12 (TLS 1.2 only) and ENDPOINT_PORT_TLS13 (TLS 1.3 only). Also sets ENDPOINT_CA
# (the CA's PEM), ENDPOINT_TOKEN_FILE, ENDPOINT_ACCESS_LOG, ENDPOINT_NGINX_PID.

ENDPOINT_NGINX_PID=""

endpoint_free_port() {
  # Debian's python3, not a version manager's shim on PATH (seconds per start).
  local py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

endpoint_certificates() {
  local dir=$1
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
      -subj "/CN=codeartifact-token bench CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
      >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
      -extfile server.ext
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; return 1; }
}

endpoint_nginx() {
  local dir=$1 port12=$2 port13=$3 prefix=$1/nginx user_line="" token expiration
  token=$(cat "$dir/token")
  expiration=$(($(date +%s) + 43200))
  mkdir -p "$prefix/tmp"
  # As root, nginx would hand its worker to "nobody"; keep it the current user.
  [ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
  cat >"$prefix/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 1024; }
http {
  log_format bench '\$request_method \$uri \$arg_domain \$status';
  access_log $prefix/access.log bench;
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  ssl_certificate $dir/server.pem;
  ssl_certificate_key $dir/server.key;
  server {
    listen 127.0.0.1:$port12 ssl;
    ssl_protocols TLSv1.2;
    include $prefix/locations.conf;
  }
  server {
    listen 127.0.0.1:$port13 ssl;
    ssl_protocols TLSv1.3;
    include $prefix/locations.conf;
  }
}
EOF
  cat >"$prefix/locations.conf" <<EOF
location = /v1/authorization-token {
  if (\$request_method != POST) { return 405; }
  default_type application/json;
  return 200 '{"authorizationToken":"$token","expiration":$expiration}';
}
location / { return 404; }
EOF
  : >"$prefix/error.log"
  /usr/sbin/nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" -g 'daemon off;' \
    >"$prefix/stdout.log" 2>&1 &
  ENDPOINT_NGINX_PID=$!
  local _ p
  for _ in $(seq 100); do
    if ! kill -0 "$ENDPOINT_NGINX_PID" 2>/dev/null; then
      wait "$ENDPOINT_NGINX_PID" 2>/dev/null || true
      ENDPOINT_NGINX_PID=""
      return 1
    fi
    local ready=1
    for p in "$port12" "$port13"; do
      curl -sf -o /dev/null -X POST --cacert "$dir/ca.pem" \
        "https://127.0.0.1:$p/v1/authorization-token?domain=ready-check" || ready=0
    done
    [ "$ready" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}

endpoint_start() {
  local dir=$1 _
  endpoint_certificates "$dir" || return 1
  # A token of a real one's length (1,100 bytes): what CodeArtifact hands out for a 12-hour token.
  printf 'eyJ%s' "$(head -c 1200 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' | head -c 1097)" >"$dir/token"
  for _ in 1 2 3 4 5; do
    ENDPOINT_PORT_TLS12=$(endpoint_free_port)
    ENDPOINT_PORT_TLS13=$(endpoint_free_port)
    [ "$ENDPOINT_PORT_TLS12" != "$ENDPOINT_PORT_TLS13" ] || continue
    if endpoint_nginx "$dir" "$ENDPOINT_PORT_TLS12" "$ENDPOINT_PORT_TLS13"; then
      ENDPOINT_CA=$dir/ca.pem
      ENDPOINT_TOKEN_FILE=$dir/token
      ENDPOINT_ACCESS_LOG=$dir/nginx/access.log
      return 0
    fi
  done
  echo "nginx did not start:" >&2
  cat "$dir/nginx/error.log" "$dir/nginx/stdout.log" >&2 || true
  return 1
}

endpoint_stop() {
  if [ -n "$ENDPOINT_NGINX_PID" ]; then
    kill -TERM "$ENDPOINT_NGINX_PID" 2>/dev/null || true
    wait "$ENDPOINT_NGINX_PID" 2>/dev/null || true
    ENDPOINT_NGINX_PID=""
  fi
}

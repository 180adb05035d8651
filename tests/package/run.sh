#!/usr/bin/env bash
# CI: the Debian package end to end, on this machine (root, a throwaway CI host). Builds it, inspects it,
# installs it with apt-get, checks the unit (systemd-analyze verify), the shipped config, the service
# user and the secrets file, runs the installed binary as the service user on the spool, upgrades over
# itself (a rebuilt package with a higher version), removes it (spool kept) and purges it (spool gone).
# Also checks the Prometheus rules and the Grafana dashboard in contrib/. systemd need not be PID 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "package test: FAIL: $*" >&2; exit 1; }
step() { echo "package test: $*"; }
APT=(apt-get -o DPkg::Lock::Timeout=120 -y -qq)
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs the package)"
if dpkg-query -W -f='${Status}' fanout 2>/dev/null | grep -q "install ok installed"; then
  fail "fanout is already installed here; this test installs and purges it"
fi

version=$(head -n1 VERSION)
deb=$(bash scripts/package.sh)
step "built $deb"

# --- inspect
info=$(dpkg-deb -I "$deb")
contents=$(dpkg-deb -c "$deb")
grep -q "^ Version: $version$" <<<"$info" || fail "control Version is not $version"
grep -Eq "^ Depends: .*libc6" <<<"$info" || fail "Depends lacks the shared libraries (dpkg-shlibdeps)"
for f in postinst prerm postrm conffiles; do grep -q " $f" <<<"$info" || fail "no $f in the control archive"; done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = "/etc/fanout/fanout.toml" ] || fail "conffiles"
for p in ./usr/bin/fanout ./lib/systemd/system/fanout.service ./etc/fanout/fanout.toml ./usr/share/fanout/fanout.env \
         ./usr/share/doc/fanout/copyright ./usr/share/doc/fanout/README.md ./usr/share/doc/fanout/docs/operations.md; do
  grep -q " $p$" <<<"$contents" || fail "$p is not in the package"
done
step "contents and control ok"

# --- install
work=$(mktemp -d)
# On a failure, leave the machine as found: this test installed the package, so it purges it.
cleanup() {
  rm -rf "$work"
  if dpkg-query -W -f='${Status}' fanout 2>/dev/null | grep -q "installed"; then "${APT[@]}" purge fanout >/dev/null || true; fi
}
trap cleanup EXIT
"${APT[@]}" install "./$deb" >/dev/null
[ "$(/usr/bin/fanout --version)" = "fanout $version" ] || fail "fanout --version: $(/usr/bin/fanout --version)"
getent passwd fanout >/dev/null || fail "no fanout user"
[ "$(stat -c '%a %U:%G' /etc/fanout/fanout.env)" = "640 root:fanout" ] || fail "fanout.env: $(stat -c '%a %U:%G' /etc/fanout/fanout.env)"
[ "$(stat -c '%U:%G' /var/lib/fanout)" = "fanout:fanout" ] || fail "/var/lib/fanout owner"
systemd-analyze verify /lib/systemd/system/fanout.service || fail "systemd-analyze verify"
step "installed; unit verified"

# The shipped config is a starting point: check-config names what to fill in.
set +e
out=$(runuser -u fanout -- fanout check-config --config /etc/fanout/fanout.toml --env-file /etc/fanout/fanout.env 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || fail "check-config on the shipped config exited $rc"
for key in destinations.meta.pixel_id CRM_WEBHOOK_SECRET META_CAPI_ACCESS_TOKEN; do
  grep -q "$key" <<<"$out" || fail "check-config does not name $key: $out"
done
step "check-config on the shipped config names what to fill in"

# Filled in (a loopback destination), the installed binary serves as the service user on the spool.
sed -e 's|^pixel_id = ""|pixel_id = "1234567890123456"\nbase_url = "http://127.0.0.1:9"|' \
    -e 's|^listen = .*|listen = "127.0.0.1:0"|' /etc/fanout/fanout.toml >"$work/fanout.toml"
printf 'CRM_WEBHOOK_SECRET=ci-secret\nFANOUT_ADMIN_TOKEN=ci-admin\nMETA_CAPI_ACCESS_TOKEN=ci-token\n' >"$work/fanout.env"
chown -R fanout "$work"
runuser -u fanout -- fanout check-config --config "$work/fanout.toml" --env-file "$work/fanout.env" >/dev/null ||
  fail "check-config on the filled-in config"
serve_once() {
  # setpriv execs fanout itself (runuser would stand between it and the SIGTERM below).
  setpriv --reuid=fanout --regid=fanout --init-groups -- \
    fanout serve --config "$work/fanout.toml" --env-file "$work/fanout.env" 2>"$work/serve.log" &
  local pid=$! port=""
  for _ in $(seq 100); do
    port=$(grep -o '"msg":"listening".*"port":[0-9]*' "$work/serve.log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || fail "fanout serve did not start: $(cat "$work/serve.log")"
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || fail "/readyz"
  curl -fsS -H "Authorization: Bearer ci-admin" "http://127.0.0.1:$port/metrics" | grep -q "fanout_build_info{version=\"$version\"}" ||
    fail "/metrics lacks fanout_build_info"
  kill -TERM $pid
  wait $pid || fail "fanout serve did not exit 0 on SIGTERM"
}
serve_once
[ -s /var/lib/fanout/spool.db ] || fail "no spool in /var/lib/fanout"
step "serves as the fanout user; spool in /var/lib/fanout"

# --- upgrade: the same binary repackaged with a higher version; the config edit and the spool stay.
echo "# kept across upgrades" >>/etc/fanout/fanout.toml
next="$version+ci1"
mkdir "$work/next"
dpkg-deb -R "$deb" "$work/next/root"
sed -i "s/^Version: .*/Version: $next/" "$work/next/root/DEBIAN/control"
dpkg-deb -b --root-owner-group "$work/next/root" "$work/next/fanout.deb" >/dev/null
"${APT[@]}" -o Dpkg::Options::=--force-confold install "$work/next/fanout.deb" >/dev/null
[ "$(dpkg-query -W -f='${Version}' fanout)" = "$next" ] || fail "upgrade to $next"
tail -n1 /etc/fanout/fanout.toml | grep -q "kept across upgrades" || fail "the upgrade replaced the edited config"
[ -s /var/lib/fanout/spool.db ] || fail "the upgrade lost the spool"
serve_once
step "upgraded to $next: config and spool kept"

# --- remove keeps the spool and the config; purge deletes them.
"${APT[@]}" remove fanout >/dev/null
[ ! -e /usr/bin/fanout ] || fail "remove left /usr/bin/fanout"
[ -s /var/lib/fanout/spool.db ] || fail "remove deleted the spool"
[ -e /etc/fanout/fanout.toml ] || fail "remove deleted the config"
"${APT[@]}" purge fanout >/dev/null
[ ! -e /var/lib/fanout ] || fail "purge left /var/lib/fanout"
[ ! -e /etc/fanout ] || fail "purge left /etc/fanout"
step "remove kept /var/lib/fanout; purge removed it"

# --- monitoring kit
promtool check rules contrib/prometheus/alerts.yml >/dev/null || fail "promtool check rules"
python3 tests/package/check_dashboard.py contrib/grafana/fanout.json docs/operations.md || fail "dashboard"
step "alerts and dashboard ok"
echo "package test: ok"

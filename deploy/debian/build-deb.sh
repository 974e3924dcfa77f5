#!/bin/sh
# Builds the Debian package of mos from a built binary, with dpkg-deb alone
# (no Rust toolchain on the server, no cargo-deb here): the binary as
# /usr/bin/mos, the unit as /lib/systemd/system/mos.service, and on install a
# `mos` system user, /etc/mos (root:mos, 0750) with an empty tokens file
# (0640) and /srv/mos for the project.
#
#   cargo build --release && deploy/debian/build-deb.sh
#   deploy/debian/build-deb.sh BINARY OUT_DIR
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
binary=${1:-$repo/target/release/mos}
out=${2:-$repo/target/debian}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -D -m 0755 "$binary" "$stage/usr/bin/mos"
install -D -m 0644 "$repo/deploy/mos.service" "$stage/lib/systemd/system/mos.service"
install -D -m 0644 "$repo/README.md" "$stage/usr/share/doc/mos/README.md"
install -d -m 0755 "$stage/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "$repo/deploy/debian/$script" "$stage/DEBIAN/$script"
done
cat > "$stage/DEBIAN/control" <<CONTROL
Package: mos
Version: $version
Architecture: $arch
Maintainer: Measures of Success <mos@localhost>
Depends: libc6, adduser
Recommends: chromium, fonts-dejavu-core
Section: web
Priority: optional
Description: Measures of Success: a police and crime plan's performance framework
 The engine, dashboard and board packs with which the office overseeing a
 police force reads its measures with statistics. Serves the project in
 /srv/mos as the systemd service mos.service.
CONTROL
mkdir -p "$out"
deb="$out/mos_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"

#!/bin/sh
# Runs inside the image build (the base's shell): assembles the runtime's root file system in $1,
# distroless-style: the node binary and exactly the shared libraries it links, CA certificates,
# time zone data, passwd/group entries for the numeric user, /tmp. No shell, no package manager.
set -eu
R=$1
mkdir -p "$R"
# Merged /usr, as in the base: /lib, /lib64, /bin and /sbin are links into /usr.
for d in bin lib lib64 sbin; do
  if [ -L "/$d" ]; then mkdir -p "$R/$(readlink "/$d")" && ln -s "$(readlink "/$d")" "$R/$d"; fi
done
mkdir -p "$R/usr/local/bin" "$R/etc/ssl/certs" "$R/usr/share" "$R/home/nonroot" "$R/tmp" "$R/app"
cp /usr/local/bin/node "$R/usr/local/bin/node"
for lib in $(ldd /usr/local/bin/node | grep -o '/[^ ]*'); do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done
cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
cp -a /usr/share/zoneinfo "$R/usr/share/zoneinfo"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$R/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$R/etc/group"
chown 65532:65532 "$R/home/nonroot"
chmod 1777 "$R/tmp"

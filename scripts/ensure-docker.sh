#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock and the local images Capstan's pods use
# exist: no registry is reachable, so busybox (a few common tags) and the pod sandbox image are
# built offline from Debian's busybox-static with `docker import`. Idempotent, and a second or so
# when everything is already there. Needs root (it installs packages and starts dockerd).
#   scripts/ensure-docker.sh            # engine + images
#   CAPSTAN_DOCKERD_LOG=/tmp/x.log …    # where dockerd's output goes (default /tmp/capstan-dockerd.log)
set -euo pipefail

SOCK=/var/run/docker.sock
DOCKERD_LOG=${CAPSTAN_DOCKERD_LOG:-/tmp/capstan-dockerd.log}
# Bump when the images' contents change, so that old builds are replaced.
IMAGE_REVISION=1
BUSYBOX_TAGS=(busybox:latest busybox:1.36 busybox:1.37)
PAUSE_IMAGE=capstan/pause:1

# Several test workers may call this at once: one does the work, the others wait for it.
exec 9>/tmp/capstan-ensure-docker.lock
flock 9

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

engine_answers() {
  command -v docker >/dev/null && timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if ! command -v dockerd >/dev/null; then
  echo "capstan: installing the Docker engine (docker.io)" >&2
  apt_install docker.io
fi
if ! command -v busybox >/dev/null && [ ! -x /bin/busybox ]; then
  echo "capstan: installing busybox-static" >&2
  apt_install busybox-static
fi

# Docker 20.10 can deadlock its network controller (moby/moby#46661): `docker version` still
# answers, but nothing that touches a network ever returns. Such an engine is restarted.
if engine_answers && ! timeout 10 docker network ls >/dev/null 2>&1; then
  echo "capstan: the Docker engine's network calls hang (moby/moby#46661): restarting dockerd" >&2
  pkill -x dockerd || true
  for _ in $(seq 1 200); do pgrep -x dockerd >/dev/null || break; sleep 0.1; done
  pkill -9 -x dockerd || true
fi

if ! engine_answers; then
  if ! pgrep -x dockerd >/dev/null; then
    echo "capstan: starting dockerd (log: $DOCKERD_LOG)" >&2
    rm -f "$SOCK"
    # Detached from this shell (its own session, no terminal, not holding our lock), so it
    # outlives the caller.
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  fi
  for _ in $(seq 1 300); do
    engine_answers && break
    sleep 0.1
  done
  if ! engine_answers; then
    echo "capstan: the Docker engine did not answer on $SOCK within 30 s; the end of $DOCKERD_LOG:" >&2
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
fi

has_image() {
  [ "$(docker image inspect --format '{{index .Config.Labels "dev.capstan.image.revision"}}' "$1" 2>/dev/null)" = "$IMAGE_REVISION" ]
}

missing=()
for t in "${BUSYBOX_TAGS[@]}" "$PAUSE_IMAGE"; do has_image "$t" || missing+=("$t"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

echo "capstan: building local images: ${missing[*]}" >&2
work=$(mktemp -d /tmp/capstan-images-XXXXXX)
trap 'rm -rf "$work"' EXIT
busybox_bin=$(command -v busybox || echo /bin/busybox)
root=$work/rootfs
mkdir -p "$root"/{bin,etc,tmp,root,home,var,proc,sys,dev,usr/bin,usr/sbin,sbin}
chmod 1777 "$root/tmp"
cp "$busybox_bin" "$root/bin/busybox"
# Every applet as a link in /bin, as the upstream busybox image has them.
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
tar -C "$root" -cf "$work/rootfs.tar" .

common=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        --change "LABEL dev.capstan.image.revision=$IMAGE_REVISION")
busybox_id=$(docker import "${common[@]}" --change 'CMD ["sh"]' "$work/rootfs.tar" "${BUSYBOX_TAGS[0]}")
for t in "${BUSYBOX_TAGS[@]:1}"; do docker tag "$busybox_id" "$t"; done
# The sandbox holds the pod's namespaces and does nothing else: PID 1 sleeps, and leaves on TERM
# or INT (PID 1 has no default signal handlers, hence the trap).
docker import "${common[@]}" \
  --change 'ENTRYPOINT ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 86400 & wait $!; done"]' \
  "$work/rootfs.tar" "$PAUSE_IMAGE" >/dev/null
echo "capstan: images ready" >&2

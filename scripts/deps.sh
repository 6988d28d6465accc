#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs, if any is missing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(linux-source-6.12 qemu-system-x86 busybox-static build-essential bc
      flex bison libelf-dev libssl-dev cpio kmod dkms python3 rsync
      xz-utils gzip perl sparse jq gnuplot-nox
      clang llvm libclang-rt-dev)	# fuzz/: libFuzzer, sanitizers, llvm-cov

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

kc_log "installing ${missing[*]}"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" >/dev/null

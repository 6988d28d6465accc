# SPDX-License-Identifier: GPL-2.0
# Shared settings of the kvm-coalesce harness; sourced, not run.
#
# KC_CACHE  where kernel builds are cached (default: ~/.cache/kvm-coalesce)
# KC_DEBUG  1: a kernel with KASAN and lockdep (scripts/kernel-debug.config);
#           kcsan: with KCSAN (scripts/kernel-kcsan.config)

KC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KC_CACHE=${KC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-coalesce}
KC_BUILD=${KC_BUILD:-$KC_TOP/build}
KC_SRC_PKG=linux-source-6.12
KC_SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
KC_JOBS=${KC_JOBS:-$(nproc)}

kc_log() { printf 'kvm-coalesce: %s\n' "$*" >&2; }
kc_die() { kc_log "error: $*"; exit 1; }

# The patches of patches/series, in order.
kc_series() { grep -v -e '^#' -e '^$' "$KC_TOP"/patches/series; }

# The kernel config fragments, merged over tinyconfig in this order.
kc_kernel_fragments() {
	echo "$KC_TOP/scripts/kernel.config"
	case ${KC_DEBUG:-0} in
	1)	echo "$KC_TOP/scripts/kernel-debug.config" ;;
	kcsan)	echo "$KC_TOP/scripts/kernel-kcsan.config" ;;
	esac
}

# The key of a kernel build: source package version, patches, config.
kc_kernel_key() {
	{
		dpkg-query -W -f='${Version}\n' "$KC_SRC_PKG"
		(cd "$KC_TOP"/patches && cat $(kc_series))
		cat $(kc_kernel_fragments)
	} | sha256sum | cut -c1-16
}

kc_kernel_dir() { echo "$KC_CACHE/linux-$(kc_kernel_key)"; }

# Where the selftests built against kernel tree $1 go.
kc_selftests_dir() { echo "$KC_BUILD/selftests/$(basename "$1")"; }

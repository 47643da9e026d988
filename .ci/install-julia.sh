#!/usr/bin/env bash
# Installs Debian bullseye's Julia 1.5.3 privately (never into the system) and
# prints the path of a `julia` wrapper on stdout. Idempotent: a finished install
# carries a version stamp and is reused; an interrupted one is never reused,
# because it is built in a temp dir and renamed into place only when complete.
#
# Why bullseye: no reachable registry has a newer Julia. Why a private apt root
# with an EMPTY status file: so that bullseye's libunwind8 1.3.2 is the candidate
# (with bookworm's 1.6.2 julia 1.5.3 dies with SIGSEGV on every exception).
set -euo pipefail

STAMP="julia-1.5.3+dfsg-3/1"
ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/julia-daemon-ci"
DEST="$ROOT/julia-1.5.3"
WRAPPER="$DEST/bin/julia"

if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$STAMP" ] && [ -x "$WRAPPER" ]; then
  echo "$WRAPPER"
  exit 0
fi

log() { echo "install-julia: $*" >&2; }
die() { echo "install-julia: error: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

# Run-time libraries julia 1.5.3 takes from the system (bookworm's work).
sys_pkgs=(libgfortran5 libz3-4 libedit2 libcurl3-gnutls libgmp10 libmpfr6 libpcre2-8-0 libssh2-1 libpcre3 libgssapi-krb5-2)
need=()
for p in "${sys_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  log "installing system libraries: ${need[*]}"
  $SUDO apt-get update -qq || true
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

# The mirror the machine already uses: deb822 .sources first, then sources.list.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mirror=$(awk 'tolower($1)=="uris:" && $2 ~ /\/debian\/?$/ {print $2; exit}' "$f")
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (hint: add one, or install julia yourself and put it on PATH)"
mirror="${mirror%/}"

# Pinned: the exact bullseye versions this project was tested against.
pins=(
  julia=1.5.3+dfsg-3 julia-common=1.5.3+dfsg-3 libjulia1=1.5.3+dfsg-3
  libllvm9=1:9.0.1-16.1 libgit2-1.1=1.1.0+dfsg.1-4+deb11u2 libhttp-parser2.9=2.9.4-4+deb11u1
  libmbedtls12=2.16.9-0.1 libmbedcrypto3=2.16.9-0.1 libmbedx509-0=2.16.9-0.1
  libutf8proc2=2.5.0-1 libdsfmt-19937-1=2.2.3+dfsg-5 libopenlibm3=0.7.0+dfsg-2
  libffi7=3.3-6 libunwind8=1.3.2-2 libblas3=3.9.0-3+deb11u1 liblapack3=3.9.0-3+deb11u1
)

mkdir -p "$ROOT"
work=$(mktemp -d "$ROOT/.install.XXXXXX")
trap 'rm -rf "$work"' EXIT
apt="$work/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$work/debs" "$work/root"
: > "$apt/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opt=""
[ -f "$keyring" ] && opt="[signed-by=$keyring] "
echo "deb ${opt}$mirror bullseye main" > "$apt/sources.list"
A=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/parts"
   -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::State::status=$apt/status"
   -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")

log "fetching bullseye's package lists from $mirror"
apt-get "${A[@]}" update -qq >&2 || die "could not read suite 'bullseye' from $mirror (hint: the mirror may no longer carry bullseye; try http://archive.debian.org/debian)"
ls "$apt/lists/"*bullseye*Packages* >/dev/null 2>&1 || die "mirror $mirror does not carry suite 'bullseye' (component main) (hint: try http://archive.debian.org/debian)"

log "downloading ${#pins[@]} packages"
(cd "$work/debs" && apt-get "${A[@]}" download "${pins[@]}" >&2) \
  || die "a pinned bullseye package is missing from $mirror (wanted: ${pins[*]})"

for deb in "$work/debs"/*.deb; do dpkg -x "$deb" "$work/root"; done
rm -rf "$work/debs" "$apt"

lib="$work/root/usr/lib/x86_64-linux-gnu"
[ -x "$work/root/usr/bin/julia" ] || die "the julia package unpacked without usr/bin/julia"
ln -sf blas/libblas.so.3 "$lib/libblas.so.3"
ln -sf lapack/liblapack.so.3 "$lib/liblapack.so.3"
for so in libcurl-gnutls.so.4 libgmp.so.10 libmpfr.so.6 libpcre2-8.so.0 libssh2.so.1; do
  [ -e "/usr/lib/x86_64-linux-gnu/$so" ] || die "system library /usr/lib/x86_64-linux-gnu/$so is missing"
  ln -sf "/usr/lib/x86_64-linux-gnu/$so" "$lib/$so"
done

# The wrapper finds its root from its own path, so the install can be renamed.
mkdir -p "$work/root/bin"
cat > "$work/root/bin/julia" <<'EOF'
#!/bin/sh
# julia 1.5.3 from Debian bullseye, unpacked privately by .ci/install-julia.sh
root=$(dirname "$(dirname "$(readlink -f "$0")")")
lib="$root/usr/lib/x86_64-linux-gnu"
LD_LIBRARY_PATH="$lib:$lib/julia${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$root/usr/bin/julia" "$@"
EOF
chmod +x "$work/root/bin/julia"

out=$("$work/root/bin/julia" --startup-file=no -e 'f() = error("x"); try f() catch end; print(VERSION)' 2>&1) \
  || die "the unpacked julia does not run: $out"
[ "$out" = "1.5.3" ] || die "the unpacked julia reports '$out', expected 1.5.3"

echo "$STAMP" > "$work/root/.stamp"
rm -rf "$DEST"
mv "$work/root" "$DEST"
log "julia 1.5.3 installed in $DEST"
echo "$WRAPPER"

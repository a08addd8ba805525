# Shared by scripts/up.sh and scripts/test.sh: make sure what Floe needs on this machine is there.
# Installs from Debian's packages when run as root (or with sudo) on a machine that lacks them.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "error: '$*' needs root; run it as root or install sudo" >&2; return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || {
    echo "error: $1 is missing and this is not a Debian-like system; install it by hand" >&2
    exit 1
  }
  echo "== installing $* (apt-get)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_cargo() {
  command -v cargo >/dev/null 2>&1 || {
    echo "error: 'cargo' is not installed; install the Rust toolchain with rustup (Rust ≥ 1.89: edition 2024)" >&2
    exit 1
  }
}

need_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
}

# Debian's Chromium, headless: the browser tests (the explorer, @mysten/sui's gRPC-Web client)
# run in it. Without root they say they skip.
need_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
      apt_install chromium
    else
      echo "note: chromium is missing and cannot be installed without root; the browser tests will skip" >&2
    fi
  fi
}

# PostgreSQL on 127.0.0.1:5432, reachable as user `postgres` without a password (the default
# URLs of `floe up` and the tests). A fresh Debian install only allows password logins over
# TCP, so local TCP logins are set to trust — acceptable on a development machine only.
ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "== starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && break; sleep 1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -w -qtAc 'SELECT 1' >/dev/null 2>&1; then
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    echo "== allowing passwordless local TCP logins in $hba (development machine)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    psql -h 127.0.0.1 -U postgres -d postgres -w -qtAc 'SELECT 1' >/dev/null || {
      echo "error: cannot log in to PostgreSQL on 127.0.0.1:5432 as postgres" >&2
      exit 1
    }
  fi
}

#!/usr/bin/env bash
# Install what tablescan needs on a Debian machine, skipping what is already there:
# system packages through apt (when run as root or with sudo), then the package into .venv.
#   scripts/install-deps.sh          what the service needs
#   scripts/install-deps.sh --test   and what the tests need: a browser, the test documents' typefaces,
#                                    LibreOffice Writer (the second renderer of test documents)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(tesseract-ocr tesseract-ocr-chi-sim poppler-utils redis-server fonts-noto-cjk fonts-wqy-microhei qpdf)
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=(chromium chromium-driver fonts-wqy-zenhei fonts-arphic-ukai fonts-arphic-uming fonts-lxgw-wenkai
             libreoffice-writer-nogui)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
fi

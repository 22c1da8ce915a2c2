#!/usr/bin/env bash
# Installs the system packages Switchboard and its tests need, when they are missing.
# Installs with apt-get when we may (root, or sudo without a password); otherwise stops
# with the list of packages to install, so nothing fails later in a confusing way.
set -euo pipefail

# package:command-or-path that proves it is there
NEEDED=(
  "python3-venv:python3 -c 'import ensurepip'"
  "sip-tester:command -v sipp"                   # SIP interop tests: sipp UAC/UAS, pcaps
  "baresip-core:test -e /usr/lib/baresip/modules/ctrl_tcp.so"  # an agent's SIP phone
  "espeak-ng:command -v espeak-ng"               # TTS: IVR prompts spoken from text (speech/tts.py)
  "flite:command -v flite"                       # TTS that Whisper understands at 8 kHz: the caller in speech tests
  "chromium:command -v chromium"                 # the Banner's tests (Playwright drives it)
)

# `sysdeps.sh bench` also installs what the benchmarks compare against.
if [ "${1:-}" = "bench" ]; then
  NEEDED+=("rtpengine-daemon:command -v rtpengine")  # bench/media_relay.py's yardstick
fi

missing=()
for entry in "${NEEDED[@]}"; do
  pkg="${entry%%:*}"
  probe="${entry#*:}"
  if ! bash -c "$probe" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Switchboard needs these system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Install codex-guard into its own virtual environment and register its hooks in Codex.
#
#   ./install.sh                 # user install: ~/.codex/hooks.json + trust entries
#   ./install.sh --client claude # Claude Code instead (~/.claude/settings.json)
#   ./install.sh --no-register   # only install the package
#
# Environment: CODEX_GUARD_VENV (default: ~/.local/share/codex-guard/venv),
#              PYTHON (default: python3, must be >= 3.11).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${CODEX_GUARD_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/codex-guard/venv}"
python="${PYTHON:-python3}"
register=1
args=()
for a in "$@"; do
  case "$a" in
    --no-register) register=0 ;;
    *) args+=("$a") ;;
  esac
done

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "codex-guard needs Python >= 3.11 ($python is older)" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/python" -m pip install --quiet "$here"

mkdir -p "$HOME/.local/bin"
ln -sf "$venv/bin/codex-guard" "$HOME/.local/bin/codex-guard"
echo "codex-guard installed in $venv (linked as ~/.local/bin/codex-guard)"

if [ "$register" = 1 ]; then
  "$venv/bin/codex-guard" install ${args[@]+"${args[@]}"}
fi

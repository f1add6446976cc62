#!/usr/bin/env bash
# Print the path of a working Python X.Y (default 3.12) that can create a venv, or exit 1.
# Looks at pythonX.Y on PATH, then pyenv's installs ($(pyenv root), ~/.pyenv).
#   tools/find_python.sh 3.12
set -u
want=${1:-3.12}
check="import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))"
roots=("$(pyenv root 2>/dev/null)" "${PYENV_ROOT:-}" "$HOME/.pyenv")
candidates=("python$want")
for root in "${roots[@]}"; do
    [ -n "$root" ] && candidates+=("$root"/versions/"$want".*/bin/"python$want")
done
for candidate in "${candidates[@]}"; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c "$check" >/dev/null 2>&1; then
        echo "$path"
        exit 0
    fi
done
exit 1

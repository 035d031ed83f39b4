#!/usr/bin/env bash
# Installs the system tools some tests drive: Chromium (browser test), LibreOffice Calc
# (a supplier without Excel), PostgreSQL (the team store), poppler (reads the PDFs back). Needs root for apt-get;
# without it, prints what is missing (tests then skip locally and fail under CI=true).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "installing system tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing system tools (install as root): ${missing[*]}" >&2
fi

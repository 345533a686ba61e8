#!/usr/bin/env bash
# Renders webhook-config.yaml.in into a webhook kubeconfig for kube-apiserver.
#   PEREGRINE_URL=http://10.96.12.34:2802 CLUSTER_NAME=prod-eu ./render-webhook-config.sh > webhook-config.yaml
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

: "${PEREGRINE_URL:?set PEREGRINE_URL to how the apiserver reaches Peregrine, e.g. http://10.96.12.34:2802}"
CLUSTER_NAME="${CLUSTER_NAME:-default}"

# The same checks Peregrine makes, so a typo fails here and not as 4xx in the apiserver's log.
if [[ ! "$PEREGRINE_URL" =~ ^https?://[^/[:space:]]+(/[^[:space:]]*)?$ ]]; then
  echo "PEREGRINE_URL must be an http:// or https:// URL, got: $PEREGRINE_URL" >&2
  exit 2
fi
if [[ ! "$CLUSTER_NAME" =~ ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$ ]]; then
  echo "CLUSTER_NAME must be 1-255 letters, digits, '_', '.', ':' or '-', starting with a letter or digit, got: $CLUSTER_NAME" >&2
  exit 2
fi

# A base path (PEREGRINE_BASE_PATH) is part of PEREGRINE_URL; drop a trailing slash so the
# path does not get a double one.
url="${PEREGRINE_URL%/}"
# The template's header explains how to fill it in; the result starts at apiVersion.
header=1
while IFS= read -r line || [[ -n "$line" ]]; do
  if [[ $header == 1 && "$line" == \#* ]]; then continue; fi
  header=0
  line="${line//\$\{PEREGRINE_URL\}/$url}"
  line="${line//\$\{CLUSTER_NAME\}/$CLUSTER_NAME}"
  printf '%s\n' "$line"
done < "$here/webhook-config.yaml.in"

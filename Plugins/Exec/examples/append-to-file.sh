#!/bin/sh
# An aerd exec channel in POSIX sh: appends each envelope, one per line, to a file.
# Configure with  command: [/path/to/append-to-file.sh, /var/lib/aerd/outbox.ndjson]
set -eu
out="${1:-outbox.ndjson}"
if ! { cat; echo; } >>"$out"; then
    echo "cannot append to $out" >&2
    exit 75                      # EX_TEMPFAIL: aerd retries later
fi
echo '{"detail": "appended"}'

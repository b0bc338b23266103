#!/usr/bin/env python3
"""An aerd exec channel: appends each message to a file and prints a receipt.

Configure with  command: [/path/to/append-to-file.py, /var/lib/aerd/outbox.ndjson]
"""
import json, os, sys

envelope = json.load(sys.stdin)                      # the JSON envelope aerd wrote to stdin
path = sys.argv[1] if len(sys.argv) > 1 else "outbox.ndjson"
try:
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(envelope, separators=(",", ":")) + "\n")
except OSError as error:                             # e.g. a full disk: ask aerd to retry later
    print(f"cannot append to {path}: {error}", file=sys.stderr)
    sys.exit(75)
print(json.dumps({"provider_message_id": os.environ["AERD_IDEMPOTENCY_KEY"], "detail": f"appended to {path}"}))

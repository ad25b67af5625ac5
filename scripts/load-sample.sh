#!/bin/sh
# Loads the demo knowledge base into DATA (default ./data): the sample
# product's articles and resolved tickets, plus the installed GNOME help.
# Safe to run again: unchanged documents are skipped.
set -eu
DATA=${1:-data}
IDX="bin/kb-indexer --data $DATA"
$IDX add samples/articles
$IDX topics samples/topics.json
$IDX add samples/tickets.jsonl
if [ -d /usr/share/help/C/gnome-help ]; then
    $IDX add /usr/share/help/C/gnome-help
else
    echo "load-sample: /usr/share/help/C/gnome-help is missing (package gnome-user-docs); skipped" >&2
fi
$IDX stats

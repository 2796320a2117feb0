#!/usr/bin/env bash
# Kept for the commands and notes that name it: the same as `scripts/node.sh 24`.
exec bash "$(dirname "$0")/node.sh" 24 "$@"

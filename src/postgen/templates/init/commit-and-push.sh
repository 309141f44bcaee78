#!/bin/sh
# Commits FILE, if it changed, and pushes it to the branch checked out, rebasing
# over whatever was pushed meanwhile (.gitattributes merges postgen's JSON-lines
# files line by line, so this never conflicts). The publish workflow runs it
# twice for the ledger: before any send, with the run's intents (through
# `postgen publish --before-send`: if it fails, nothing is sent), and after the
# run, with the results. The approvals workflow runs it for approvals.jsonl.
#
# Usage: sh .github/commit-and-push.sh FILE "commit message"
set -eu
if [ -z "$(git status --porcelain -- "$1")" ]; then
  echo "$1: nothing new to push"
  exit 0
fi
git add -- "$1"
git commit -q -m "$2" -- "$1"
attempt=1
until git push -q; do
  if [ "$attempt" -ge 5 ]; then
    echo "::error::could not push $1 after $attempt tries"
    exit 1
  fi
  sleep $((attempt * ${PUSH_RETRY_SECONDS:-5}))
  git pull -q --rebase
  attempt=$((attempt + 1))
done
echo "$1: pushed"

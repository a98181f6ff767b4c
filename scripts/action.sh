#!/usr/bin/env bash
# The steps of action.yml: `start` runs the listener in the background and waits until it listens;
# `finish` stops it, verifies what it saved with a JUnit report, and fails the job with the reason.
# It reads what GitHub gives a step: RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, and the INPUT_*
# variables action.yml sets; HMS_WEBHOOK_SECRET comes from the secret input.
set -euo pipefail

dir="${RUNNER_TEMP:?RUNNER_TEMP is not set}/hms-webhook"
captures="$dir/captures.jsonl"
ready="$dir/listening"
junit="${INPUT_JUNIT:-$dir/junit.xml}"

case "${1:-}" in
  start)
    mkdir -p "$dir"
    if [ -z "${HMS_WEBHOOK_SECRET:-}" ]; then
      echo "::error::hms-webhook: the secret input is empty: pass your webhook secret (secrets.HMS_WEBHOOK_SECRET)"
      exit 1
    fi
    # No job summary of its own: this step's summary file is read when the step ends, before the
    # listener stops; `finish` verifies the captures and writes the summary in its own step.
    GITHUB_STEP_SUMMARY="" hms-webhook listen --port "${INPUT_PORT:-8484}" --save "$captures" --ready-file "$ready" --json \
      > "$dir/events.jsonl" 2> "$dir/listen.log" &
    echo "$!" > "$dir/listen.pid"
    # The listener writes the ready file once it listens; if it exits first, its reason is in the log.
    for _ in $(seq 1 300); do
      if [ -s "$ready" ]; then break; fi
      if ! kill -0 "$(cat "$dir/listen.pid")" 2> /dev/null; then
        echo "::error::hms-webhook listen did not start: $(tail -n 1 "$dir/listen.log")"
        exit 1
      fi
      sleep 0.1
    done
    if [ ! -s "$ready" ]; then
      echo "::error::hms-webhook listen did not listen within 30 s"
      exit 1
    fi
    url="$(cat "$ready")"
    echo "url=$url" >> "$GITHUB_OUTPUT"
    echo "hms-webhook is listening on $url"
    ;;
  finish)
    pid="$(cat "$dir/listen.pid" 2> /dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
      # SIGTERM: the requests in flight finish and are saved before it exits.
      kill -TERM "$pid"
      while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done
    fi
    echo "captures=$captures" >> "$GITHUB_OUTPUT"
    echo "junit=$junit" >> "$GITHUB_OUTPUT"
    set +e
    hms-webhook verify "$captures" --junit "$junit" --quiet
    code=$?
    set -e
    if [ "$code" -eq 0 ]; then
      echo "result=passed" >> "$GITHUB_OUTPUT"
    elif [ "$code" -eq 1 ]; then
      echo "result=failed" >> "$GITHUB_OUTPUT"
      echo "::error::hms-webhook: some webhook requests failed verification (signature, schema or reply): see the job summary and $junit"
    else
      echo "result=error" >> "$GITHUB_OUTPUT"
      echo "::error::hms-webhook: no webhook request could be verified (none arrived, or the captures are unreadable): see $dir/listen.log"
    fi
    exit "$code"
    ;;
  *)
    echo "usage: action.sh start|finish" >&2
    exit 2
    ;;
esac

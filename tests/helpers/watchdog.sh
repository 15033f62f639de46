#!/bin/sh
# tests/helpers/watchdog.sh: stop a server started by a helper when the test
# run that wanted it is gone, so an interrupted run leaves nothing behind.
#
#   watchdog.sh SCRIPT DIR     (in the background; SEGPIPE_WATCH_PID set)
#
# While SEGPIPE_WATCH_PID lives and DIR exists, wait; then, if DIR is still
# there, run "SCRIPT stop DIR". Does nothing when SEGPIPE_WATCH_PID is unset.
[ -n "${SEGPIPE_WATCH_PID:-}" ] || exit 0
script=$1 dir=$2
trap '' HUP INT
while kill -0 "$SEGPIPE_WATCH_PID" 2>/dev/null && [ -d "$dir" ]; do
	sleep 1
done
[ -d "$dir" ] && sh "$script" stop "$dir"
exit 0

#!/bin/sh
# One worker of the demo: announces itself, works a random few seconds, then
# succeeds or fails at random, as the original five-city script's workers did.
city="$1"
random() { od -An -N1 -tu1 /dev/urandom | tr -d ' '; }
seconds=$(( $(random) % 4 + 1 ))
echo "Begin: $city (working ${seconds}s, pid $$)"
sleep "$seconds"
status=$(( $(random) % 2 ))
echo "End: $city (exit $status)"
exit "$status"

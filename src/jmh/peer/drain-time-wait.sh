#!/usr/bin/env bash
# Waits (up to 120 s) until loopback TIME_WAIT sockets are below 500. A run of S2 or S5 leaves ~20,000
# of them for 60 s, in the same 28,000-port ephemeral range the next run's client and relay connect
# from; back-to-back runs measured slower each time (S5 max silence 1.3 s, 2.8 s, 5.4 s in three).
for _ in $(seq 1 120); do
  [ "$(ss -Htan state time-wait | wc -l)" -lt 500 ] && exit 0
  sleep 1
done

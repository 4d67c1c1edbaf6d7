#!/bin/bash
exec "$(dirname "$0")/test_monitor.sh" xdp

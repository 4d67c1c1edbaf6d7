#!/bin/bash
exec "$(dirname "$0")/test_pmtu.sh" xdp

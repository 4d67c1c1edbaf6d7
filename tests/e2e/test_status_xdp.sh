#!/bin/bash
exec "$(dirname "$0")/test_status.sh" xdp

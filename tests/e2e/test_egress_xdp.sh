#!/bin/bash
exec "$(dirname "$0")/test_egress.sh" xdp

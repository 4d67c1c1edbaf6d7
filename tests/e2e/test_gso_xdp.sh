#!/bin/bash
exec "$(dirname "$0")/test_gso.sh" xdp

#!/bin/bash
exec "$(dirname "$0")/test_hostile.sh" xdp
